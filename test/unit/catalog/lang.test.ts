import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../../src/catalog/lang.js';

describe('language detection of imported texts', () => {
  it('tags a document by the script of its texts', () => {
    expect(detectLanguage(['Request succeeded.', 'Not found.'])).toBe('en');
    expect(detectLanguage(['OK', '请求成功。'])).toBe('zh');
    expect(detectLanguage(['请求', 'リクエストが成功しました。'])).toBe('ja');
    expect(detectLanguage(['요청 성공'])).toBe('ko');
    expect(detectLanguage(['Solicitud correcta.'])).toBe('en');
    expect(detectLanguage([])).toBe('en');
  });
});
