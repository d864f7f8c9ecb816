// The load generator: autocannon, run in its own process (pinned to the other core by run.mjs),
// sending exactly `amount` requests with the mix over route templates:
// 90% 200 / 5% 404 / 3% 500 / 2% 503. Prints one JSON line of results.
import autocannon from 'autocannon';

const { port, amount, connections } = JSON.parse(process.argv[2]);

/** 100 requests in a fixed interleaved order; autocannon cycles through them. */
function mix() {
  const requests = [];
  for (let i = 0; i < 100; i++) {
    let path;
    if (i % 20 === 7) path = `/v3/p1/unknown/${i}`; // 5 x 404
    else if (i % 33 === 5) path = `/v3/p1/instances/i${i}?s=500`; // 3 x 500
    else if (i % 50 === 11) path = `/v3/p1/instances?s=503`; // 2 x 503
    else path = i % 2 ? `/v3/p${i % 7}/instances/i${i}` : `/v3/p${i % 7}/instances`;
    requests.push({ method: 'GET', path });
  }
  return requests;
}

const result = await autocannon({
  url: `http://127.0.0.1:${port}`,
  connections,
  amount,
  requests: mix(),
  timeout: 10,
});
const codes = {};
for (const [k, v] of Object.entries(result.statusCodeStats ?? {})) codes[k] = v.count;
process.stdout.write(`${JSON.stringify({
  requests: result.requests.total,
  rps: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  codes,
  duration: result.duration,
})}\n`);
