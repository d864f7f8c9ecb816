// Heap layout padding for the instruction counts (bench/instructions.mjs): round k of a
// configuration preloads this with BENCH_LAYOUT=k, which allocates and keeps objects of k*300
// hidden classes and a k*62 KB array before the server starts, so that the hidden classes made
// after it sit at other addresses. Under callgrind, bare node:http ran 53,600-54,350
// instructions per response with four paddings of this kind, and 53,100-53,850 with an
// unrelated CommonJS package loaded: where V8's objects land moves Node's http code by ±1-2 %
// (the profiles differ mostly in V8's megamorphic inline-cache builtins, whose cache is hashed
// by a hidden class's address; the mechanism is not established), as much as the differences
// being measured. A figure over several layouts averages that out.
// (Transitions hang off a private constructor's map: 1,833 distinct properties added to `{}`
// objects overflowed the shared root map's transitions and doubled Node's http cost.)
'use strict';
const k = Number(process.env.BENCH_LAYOUT ?? 0);
if (k > 0) {
  function Padding() {}
  const keep = [];
  for (let i = 0; i < k * 300; i++) {
    const o = new Padding();
    o[`p${i}`] = i;
    keep.push(o);
  }
  keep.push(new Array(k * 7919).fill(1.5));
  globalThis[Symbol.for('faultline.bench.layout')] = keep;
}
