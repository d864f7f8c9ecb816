const KANA = /[\u3040-\u30ff]/;
const HANGUL = /[\uac00-\ud7af\u1100-\u11ff]/;
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;

/**
 * Guesses the language tag of a document's texts by script: kana -> `ja`, Hangul -> `ko`,
 * Han characters -> `zh`, anything else `en`. One tag for the whole document, so every text
 * imported from it lands under the same key. Import commands take `--lang` to override it.
 *
 * @example
 * ```ts
 * detectLanguage(['请求成功。', 'OK']); // 'zh'
 * detectLanguage(['pet response']);     // 'en'
 * ```
 */
export function detectLanguage(texts: Iterable<string>): string {
  let han = false;
  for (const text of texts) {
    if (KANA.test(text)) return 'ja';
    if (HANGUL.test(text)) return 'ko';
    if (HAN.test(text)) han = true;
  }
  return han ? 'zh' : 'en';
}
