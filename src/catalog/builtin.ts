import type { Catalog, CatalogEntry } from './types.js';

/**
 * The default catalog: the "common request HTTP status codes" page of a cloud database API
 * (`shared/seeds/000_bf00fb12018831ed.txt`), with the document's own Chinese text, an English
 * translation and the document's grouping (正常 = normal, 异常 = abnormal).
 */
const ENTRIES: readonly CatalogEntry[] = [
  { code: 200, group: 'normal', description: { en: 'Request succeeded.', zh: '请求成功。' } },
  {
    code: 202,
    group: 'normal',
    description: {
      en: 'Asynchronous request submitted successfully (creating an instance, creating a backup, ...).',
      zh: '异步请求成功提交（创建实例，创建备份等）。',
    },
  },
  { code: 400, group: 'abnormal', description: { en: 'The server failed to process the request.', zh: '服务器未能处理请求。' } },
  { code: 401, group: 'abnormal', description: { en: 'The requested page needs a user name and password.', zh: '被请求的页面需要用户名和密码。' } },
  { code: 403, group: 'abnormal', description: { en: 'Access to the requested page is forbidden.', zh: '对被请求页面的访问被禁止。' } },
  { code: 404, group: 'abnormal', description: { en: 'The server cannot find the requested page.', zh: '服务器无法找到被请求的页面。' } },
  { code: 405, group: 'abnormal', description: { en: 'The method specified in the request is not allowed.', zh: '请求中指定的方法不被允许。' } },
  { code: 409, group: 'abnormal', description: { en: 'The request could not be completed because of a conflict.', zh: '由于冲突，请求无法被完成。' } },
  { code: 413, group: 'abnormal', description: { en: 'The request exceeds the resource quota.', zh: '请求超过资源配额。' } },
  {
    code: 415,
    group: 'abnormal',
    description: {
      en: 'The Content-Type in the request header is wrong; it must be application/json.',
      zh: '请求头中携带的ContentType类型不正确，必须为application/json。',
    },
  },
  { code: 422, group: 'abnormal', description: { en: 'Parameters or objects in the request cannot be recognized.', zh: '请求中的参数或对象不能被正确识别。' } },
  { code: 500, group: 'abnormal', description: { en: 'The request was not completed: service error.', zh: '请求未完成。服务异常。' } },
  {
    code: 501,
    group: 'abnormal',
    description: {
      en: 'The request was not completed: the server does not support the requested function.',
      zh: '请求未完成。服务器不支持所请求的功能。',
    },
  },
  { code: 503, group: 'abnormal', description: { en: 'The request was not completed: the system is temporarily abnormal.', zh: '请求未完成。系统暂时异常。' } },
];

/**
 * The built-in catalog (14 codes).
 *
 * @example
 * ```ts
 * import { builtinCatalog } from 'faultline';
 * builtinCatalog().codes.get(413)?.description.en; // 'The request exceeds the resource quota.'
 * ```
 */
export function builtinCatalog(): Catalog {
  return {
    name: 'builtin',
    source: 'builtin',
    codes: new Map(ENTRIES.map((e) => [e.code, e])),
    ranges: [],
    operations: new Map(),
  };
}
