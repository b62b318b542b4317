/*
 * GGZYSealing — sealed electronic bids in the browser, with WebCrypto only.
 *
 * The same format as the command-line bid tool (python -m bidtool); the byte layout is defined in
 * docs/sealed-bid-format.md (version 1, suite P256-A256GCM-SHA256). No third-party code, no
 * network access: the page's CSP is script-src 'self'. Load it with
 *   <script src="/static/ggzy/sealing.js"></script>
 * and use the global namespace GGZYSealing (also usable in a Web Worker via importScripts).
 *
 * Functions (all async unless noted):
 *   generateSealingKeyPair({extractable})   ECDH P-256 key pair; private key non-extractable by default
 *   generateSigningKeyPair({extractable})   ECDSA P-256 key pair; private key non-extractable by default
 *   exportJwk(key, use)                     JWK for the bidder's own backup ("enc" = sealing, "sig" = signing)
 *   importSealingKey(jwk, {extractable})    CryptoKey, or {privateKey, publicKey} for a private JWK
 *   importSigningKey(jwk, {extractable})    idem for signing keys
 *   keyId(publicKey)                        RFC 7638 thumbprint (base64url), as in the header
 *   seal({files, openingData, lotCode, bidderUscc, sealingPublicKey, signingKeyPair, onProgress})
 *        -> {envelope: Blob, commitment, ciphertextDigest, signature, header, manifest, size}
 *   unseal({envelope, sealingKeyPair | contentKey, expectedCommitment, onProgress})
 *        -> {manifest, openingData, files: [{name, size, digest, blob}], commitment, header}
 *   unwrapContentKey({envelope, sealingKeyPair}) -> Uint8Array(32), for an opening by disclosed key;
 *        like unseal, it checks the key against the header's key commitment first
 *   verify({envelope, signingPublicKey, expectedCommitment, expectedCiphertextDigest})
 *        -> {verified: true, header, commitment, ciphertextDigest, signature, size}
 *   inspect(envelope) -> {verified: false, header, commitment, ciphertextDigest, signature, size}
 *   canonicalJson(value) (sync) -> string
 * Errors are GGZYSealing.BidFormatError, BidIntegrityError and BidKeyError, with Chinese messages.
 * Files are read slice by slice (1 MiB), so a 500 MB file is never held in memory at once; the
 * results are Blobs, which the browser may keep on disk.
 */
(function (global) {
  "use strict";

  const SEGMENT = 1048576;
  const TAG = 16;
  const HEAD_ALIGN = 4096;
  const PREFIX_FIXED = 12;
  const PACKAGE_FIXED = 12;
  const TRAILER_SIZE = 136;
  const MAX_HEADER = 65536;
  const MAX_FILES = 1000;
  const MAX_SAFE = Number.MAX_SAFE_INTEGER;
  const VERSION = 1;
  const SUITE = "P256-A256GCM-SHA256";
  const RESERVED_SUITES = ["SM2-SM4GCM-SM3"];
  const FOLD_BYTES = 16 * SEGMENT; // fold Blob parts so the page does not keep them as ArrayBuffers

  const encoder = new TextEncoder();
  const ascii = (text) => encoder.encode(text);
  const ENVELOPE_MAGIC = new Uint8Array([71, 71, 90, 89, 66, 73, 68, 1]); // "GGZYBID" 0x01
  const PACKAGE_MAGIC = new Uint8Array([71, 71, 90, 89, 80, 75, 71, 1]); // "GGZYPKG" 0x01
  const TRAILER_MAGIC = new Uint8Array([71, 71, 90, 89, 83, 73, 71, 1]); // "GGZYSIG" 0x01
  const LABEL_PACKAGE = ascii("GGZY-BID/1 package");
  const LABEL_FILE = ascii("GGZY-BID/1 file");
  const LABEL_CIPHERTEXT = ascii("GGZY-BID/1 ciphertext");
  const LABEL_SIGNATURE = ascii("GGZY-BID/1 signature");
  const KEY_WRAP_INFO = ascii("GGZY-BID/1 key wrap");
  const LABEL_KEY = ascii("GGZY-BID/1 key");

  class BidError extends Error {
    constructor(message) {
      super(message);
      this.name = this.constructor.name;
    }
  }
  class BidFormatError extends BidError {}
  class BidIntegrityError extends BidError {}
  class BidKeyError extends BidError {}

  function subtle() {
    if (!global.crypto || !global.crypto.subtle) {
      throw new BidKeyError("浏览器不支持 WebCrypto，或页面不是通过 HTTPS 打开的");
    }
    return global.crypto.subtle;
  }

  // --- bytes ------------------------------------------------------------------------------------

  function concat(parts) {
    let length = 0;
    for (const part of parts) length += part.length;
    const out = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  function u16(n) {
    return new Uint8Array([(n >>> 8) & 255, n & 255]);
  }

  function u32(n) {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, n, false);
    return out;
  }

  function u64(n) {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, Math.floor(n / 4294967296), false);
    view.setUint32(4, n % 4294967296, false);
    return out;
  }

  function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  function hex(bytes) {
    let out = "";
    for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
    return out;
  }

  function fromHex(text, what) {
    if (typeof text !== "string" || !/^[0-9a-f]{64}$/.test(text)) {
      throw new BidFormatError(what + "应为 64 位小写十六进制 SHA-256 摘要");
    }
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  function b64url(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 32768) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 32768));
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromB64url(text, length, what) {
    if (typeof text !== "string" || !/^[A-Za-z0-9_-]+$/.test(text)) {
      throw new BidFormatError(what + "不是无填充的 base64url 文本");
    }
    let binary;
    try {
      binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    } catch (error) {
      throw new BidFormatError(what + "不是有效的 base64url 文本");
    }
    const out = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    if (b64url(out) !== text) throw new BidFormatError(what + "的 base64url 编码不规范");
    if (length !== undefined && out.length !== length) {
      throw new BidFormatError(what + "应为 " + length + " 字节，实际为 " + out.length + " 字节");
    }
    return out;
  }

  async function sha256(data) {
    return new Uint8Array(await subtle().digest("SHA-256", data));
  }

  async function readSlice(blob, start, end) {
    return new Uint8Array(await blob.slice(start, end).arrayBuffer());
  }

  function leafCount(length) {
    return Math.ceil(length / SEGMENT);
  }

  async function hashListRoot(label, length, leaves) {
    if (leaves.length !== leafCount(length)) throw new Error("hash list: wrong number of leaves");
    return sha256(concat([label, new Uint8Array([0]), u64(length), ...leaves]));
  }

  // Collects Uint8Arrays into a Blob without keeping many of them alive in the page.
  class BlobBuilder {
    constructor() {
      this.blob = new Blob([]);
      this.parts = [];
      this.pending = 0;
    }
    add(bytes) {
      this.parts.push(bytes);
      this.pending += bytes.length;
      if (this.pending >= FOLD_BYTES) this.fold();
    }
    fold() {
      if (this.parts.length) this.blob = new Blob([this.blob, ...this.parts]);
      this.parts = [];
      this.pending = 0;
    }
    finish(type) {
      this.fold();
      return new Blob([this.blob], { type: type || "application/octet-stream" });
    }
  }

  // SHA-256 hash list over a byte stream cut into 1 MiB leaves, fed in pieces of any size.
  class StreamHashList {
    constructor(label) {
      this.label = label;
      this.buffer = new Uint8Array(SEGMENT);
      this.fill = 0;
      this.length = 0;
      this.leaves = [];
    }
    async update(bytes) {
      this.length += bytes.length;
      let offset = 0;
      while (offset < bytes.length) {
        const take = Math.min(SEGMENT - this.fill, bytes.length - offset);
        if (this.fill === 0 && take === SEGMENT) {
          this.leaves.push(await sha256(bytes.subarray(offset, offset + take)));
        } else {
          this.buffer.set(bytes.subarray(offset, offset + take), this.fill);
          this.fill += take;
          if (this.fill === SEGMENT) {
            this.leaves.push(await sha256(this.buffer));
            this.fill = 0;
          }
        }
        offset += take;
      }
    }
    async finish() {
      if (this.fill) this.leaves.push(await sha256(this.buffer.subarray(0, this.fill)));
      this.fill = 0;
      return hashListRoot(this.label, this.length, this.leaves);
    }
  }

  // --- canonical JSON (RFC 8785 restricted to integers) -------------------------------------------

  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  function canonicalString(text, where) {
    const wellFormed = typeof text.isWellFormed === "function" ? text.isWellFormed() : !LONE_SURROGATE.test(text);
    if (!wellFormed) throw new BidFormatError(where + "含有不成对的代理字符，无法编码为 UTF-8");
    return JSON.stringify(text);
  }

  function canonical(value, where, depth) {
    if (depth > 32) throw new BidFormatError(where + "嵌套层数超过 32");
    if (value === null) return "null";
    if (value === true) return "true";
    if (value === false) return "false";
    if (typeof value === "number") {
      if (!Number.isInteger(value)) {
        throw new BidFormatError(where + "含有小数 " + value + "：金额请用整数“分”，其他数值请用整数或字符串");
      }
      if (!Number.isSafeInteger(value)) {
        throw new BidFormatError(where + "中的整数 " + value + " 超出 ±(2^53−1)");
      }
      return String(value === 0 ? 0 : value);
    }
    if (typeof value === "string") return canonicalString(value, where);
    if (Array.isArray(value)) return "[" + value.map((item) => canonical(item, where, depth + 1)).join(",") + "]";
    if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const keys = Object.keys(value).sort(); // default order = UTF-16 code units, as RFC 8785
      return (
        "{" +
        keys.map((key) => canonicalString(key, where) + ":" + canonical(value[key], where, depth + 1)).join(",") +
        "}"
      );
    }
    throw new BidFormatError(where + "含有无法写成 JSON 的值（" + typeof value + "）");
  }

  function canonicalJson(value, where) {
    return canonical(value, where || "JSON", 0);
  }

  function parseCanonical(bytes, where) {
    let text;
    let value;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch (error) {
      throw new BidFormatError(where + "不是有效的 UTF-8 文本");
    }
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new BidFormatError(where + "不是有效的 JSON");
    }
    if (canonicalJson(value, where) !== text) {
      throw new BidFormatError(where + "不是规范 JSON 编码（键须排序、无空白、只含整数），可能被改动");
    }
    return value;
  }

  // --- field rules (identical to bidtool/format.py) ---------------------------------------------------

  const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

  function usccValidate(code) {
    if (typeof code !== "string" || code.length !== 18) {
      throw new BidFormatError("统一社会信用代码应为 18 位，当前为“" + code + "”");
    }
    let total = 0;
    let weight = 1;
    for (let i = 0; i < 18; i++) {
      const value = USCC_ALPHABET.indexOf(code[i]);
      if (value < 0) {
        throw new BidFormatError("统一社会信用代码第 " + (i + 1) + " 位“" + code[i] + "”不是允许的字符（大写，不用 I、O、S、V、Z）");
      }
      if (i < 17) {
        total += value * weight;
        weight = (weight * 3) % 31;
      }
    }
    const expected = USCC_ALPHABET[(31 - (total % 31)) % 31];
    if (code[17] !== expected) {
      throw new BidFormatError("统一社会信用代码校验码错误：第 18 位应为“" + expected + "”，而不是“" + code[17] + "”");
    }
    return code;
  }

  function checkText(value, what, maxBytes) {
    if (typeof value !== "string" || !value) throw new BidFormatError(what + "不能为空");
    if (encoder.encode(value).length > maxBytes) throw new BidFormatError(what + "不能超过 " + maxBytes + " 字节（UTF-8）");
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new BidFormatError(what + "不能含有控制字符");
    const edges = [" ", "\u3000"];
    if (edges.includes(value[0]) || edges.includes(value[value.length - 1])) {
      throw new BidFormatError(what + "首尾不能有空格");
    }
    return value;
  }

  const asciiLower = (text) => text.replace(/[A-Z]/g, (char) => char.toLowerCase());
  const RESERVED_NAMES = ["con", "prn", "aux", "nul"];
  for (let i = 1; i <= 9; i++) RESERVED_NAMES.push("com" + i, "lpt" + i);

  function fileNameValidate(name) {
    checkText(name, "文件名", 255);
    if (name === "." || name === ".." || name.endsWith(".")) {
      throw new BidFormatError("文件名“" + name + "”不能是 . 或 ..，也不能以 . 结尾");
    }
    if (/[/\\:*?"<>|]/.test(name)) throw new BidFormatError("文件名“" + name + "”含有不允许的字符");
    if (RESERVED_NAMES.includes(asciiLower(name.split(".")[0]))) {
      throw new BidFormatError("文件名“" + name + "”是 Windows 保留名");
    }
    return name;
  }

  function openingDataValidate(data) {
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      throw new BidFormatError("开标数据（opening_data）应为 JSON 对象");
    }
    canonicalJson(data, "开标数据");
    if ("price_fen" in data && !(Number.isSafeInteger(data.price_fen) && data.price_fen >= 0)) {
      throw new BidFormatError("投标报价 price_fen 应为以“分”计的非负整数");
    }
    if ("duration_days" in data && !(Number.isSafeInteger(data.duration_days) && data.duration_days >= 0)) {
      throw new BidFormatError("工期 duration_days 应为非负整数（天）");
    }
    return data;
  }

  function exactKeys(obj, keys, what) {
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new BidFormatError(what + "应为 JSON 对象");
    const missing = keys.filter((key) => !(key in obj));
    const extra = Object.keys(obj).filter((key) => !keys.includes(key));
    if (missing.length) throw new BidFormatError(what + "缺少字段：" + missing.sort().join(", "));
    if (extra.length) throw new BidFormatError(what + "含有本版本未定义的字段：" + extra.sort().join(", "));
    return obj;
  }

  function intField(obj, key, what, min, max) {
    const value = obj[key];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new BidFormatError(what + "（" + key + "）应为 " + min + " 到 " + max + " 之间的整数");
    }
    return value;
  }

  function headLengthFor(manifestLength) {
    return Math.ceil((PACKAGE_FIXED + manifestLength) / HEAD_ALIGN) * HEAD_ALIGN;
  }

  function manifestValidate(manifest) {
    exactKeys(manifest, ["format", "version", "lot_code", "bidder_uscc", "salt", "opening_data", "files"], "清单");
    if (manifest.format !== "GGZY-BID-PACKAGE") throw new BidFormatError("清单的 format 字段不是 GGZY-BID-PACKAGE");
    if (manifest.version !== VERSION) throw new BidFormatError("不支持的清单版本：" + manifest.version);
    checkText(manifest.lot_code, "标段编号", 256);
    usccValidate(manifest.bidder_uscc);
    fromB64url(manifest.salt, 32, "清单的随机盐（salt）");
    openingDataValidate(manifest.opening_data);
    if (!Array.isArray(manifest.files)) throw new BidFormatError("清单的 files 应为数组");
    if (manifest.files.length > MAX_FILES) throw new BidFormatError("一份投标文件最多包含 " + MAX_FILES + " 个文件");
    const seen = new Set();
    for (const entry of manifest.files) {
      exactKeys(entry, ["name", "size", "digest"], "清单中的文件条目");
      fileNameValidate(entry.name);
      const folded = asciiLower(entry.name);
      if (seen.has(folded)) throw new BidFormatError("文件名“" + entry.name + "”重复（英文字母不区分大小写）");
      seen.add(folded);
      intField(entry, "size", "文件“" + entry.name + "”的大小", 0, MAX_SAFE);
      fromHex(entry.digest, "文件“" + entry.name + "”的摘要");
    }
    return manifest;
  }

  function buildHead(manifest) {
    const body = encoder.encode(canonicalJson(manifest, "清单"));
    const length = headLengthFor(body.length);
    if (length > SEGMENT) throw new BidFormatError("清单过大：包头最多 " + SEGMENT + " 字节，请减少文件数或开标数据");
    const head = new Uint8Array(length);
    head.set(PACKAGE_MAGIC, 0);
    head.set(u32(body.length), 8);
    head.set(body, PACKAGE_FIXED);
    return head;
  }

  function parseHead(head) {
    if (!equalBytes(head.subarray(0, 8), PACKAGE_MAGIC)) throw new BidFormatError("解密后的清单格式错误：包头标识不符");
    const length = new DataView(head.buffer, head.byteOffset + 8, 4).getUint32(0, false);
    if (headLengthFor(length) !== head.length) throw new BidFormatError("解密后的清单格式错误：包头长度与清单长度不符");
    if (head.subarray(PACKAGE_FIXED + length).some((byte) => byte !== 0)) {
      throw new BidFormatError("解密后的清单格式错误：包头的填充字节不全为零");
    }
    return manifestValidate(parseCanonical(head.subarray(PACKAGE_FIXED, PACKAGE_FIXED + length), "清单"));
  }

  const HEADER_KEYS = [
    "format",
    "version",
    "suite",
    "lot_code",
    "bidder_uscc",
    "segment_size",
    "head_length",
    "plaintext_length",
    "segment_count",
    "nonce_prefix",
    "ephemeral_key",
    "wrapped_key",
    "key_commitment",
    "recipient_key_id",
    "signer_key_id",
  ];

  function headerValidate(header) {
    if (header === null || typeof header !== "object") throw new BidFormatError("文件头应为 JSON 对象");
    if (header.format !== "GGZY-BID") throw new BidFormatError("文件头的 format 字段不是 GGZY-BID");
    if (header.version !== VERSION) {
      throw new BidFormatError("不支持的格式版本：" + header.version + "（本实现支持版本 " + VERSION + "）");
    }
    if (RESERVED_SUITES.includes(header.suite)) {
      throw new BidFormatError("密码套件 " + header.suite + "（国密 SM2/SM3/SM4）已预留，本版本尚未实现");
    }
    if (header.suite !== SUITE) throw new BidFormatError("不支持的密码套件：" + header.suite);
    exactKeys(header, HEADER_KEYS, "文件头");
    if (header.segment_size !== SEGMENT) throw new BidFormatError("版本 1 的分段大小必须是 " + SEGMENT + " 字节");
    const head = intField(header, "head_length", "包头长度", HEAD_ALIGN, SEGMENT);
    if (head % HEAD_ALIGN) throw new BidFormatError("包头长度应为 " + HEAD_ALIGN + " 的整数倍");
    const plain = intField(header, "plaintext_length", "明文长度", head, MAX_SAFE);
    const count = intField(header, "segment_count", "分段数", 1, 4294967295);
    const body = plain - head;
    if (count < 1 + leafCount(body) || count > 1 + body) throw new BidFormatError("分段数与明文长度不符");
    fromB64url(header.recipient_key_id, 32, "文件头的 recipient_key_id");
    fromB64url(header.signer_key_id, 32, "文件头的 signer_key_id");
    checkText(header.lot_code, "标段编号", 256);
    usccValidate(header.bidder_uscc);
    fromB64url(header.nonce_prefix, 7, "随机数前缀");
    const ephemeral = fromB64url(header.ephemeral_key, 65, "临时公钥（ephemeral_key）");
    if (ephemeral[0] !== 4) throw new BidFormatError("临时公钥（ephemeral_key）应为 65 字节的未压缩 P-256 点");
    fromB64url(header.wrapped_key, 40, "封装的内容密钥");
    fromB64url(header.key_commitment, 32, "密钥承诺（key_commitment）");
    return header;
  }

  // Segment 0 is the package head; then each non-empty file in 1 MiB pieces.
  function layout(prefixLength, headLength, sizes) {
    const pieces = [[0, 0, headLength]];
    sizes.forEach((size, index) => {
      for (let start = 0; start < size; start += SEGMENT) pieces.push([index + 1, start, Math.min(SEGMENT, size - start)]);
    });
    let offset = prefixLength;
    return pieces.map(([part, partOffset, length], counter) => {
      const segment = { counter, part, partOffset, length, offset, last: counter === pieces.length - 1 };
      offset += length + TAG;
      return segment;
    });
  }

  function nonce(prefix, counter, last) {
    return concat([prefix, u32(counter), new Uint8Array([last ? 1 : 0])]);
  }

  function signatureMessage(header, commitment, ciphertextDigest) {
    const field = (text) => {
      const bytes = encoder.encode(text);
      return concat([u16(bytes.length), bytes]);
    };
    return concat([
      LABEL_SIGNATURE,
      new Uint8Array([0, header.version]),
      field(header.suite),
      field(header.lot_code),
      field(header.bidder_uscc),
      commitment,
      ciphertextDigest,
    ]);
  }

  async function commitmentOfHead(head) {
    return sha256(concat([LABEL_PACKAGE, new Uint8Array([0]), head]));
  }

  // Key commitment: SHA-256(label ‖ 0x00 ‖ nonce prefix ‖ raw CEK), in the signed header.
  async function keyCommitment(prefixNonce, rawKey) {
    return sha256(concat([LABEL_KEY, new Uint8Array([0]), prefixNonce, rawKey]));
  }

  async function checkKeyCommitment(header, rawKey, message) {
    const prefixNonce = fromB64url(header.nonce_prefix, 7, "随机数前缀");
    const committed = fromB64url(header.key_commitment, 32, "密钥承诺（key_commitment）");
    if (!equalBytes(await keyCommitment(prefixNonce, rawKey), committed)) throw new BidKeyError(message);
  }

  // --- keys ----------------------------------------------------------------------------------------

  const ECDH = { name: "ECDH", namedCurve: "P-256" };
  const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
  const USE_NAMES = { enc: "密封（加密）", sig: "签名" };

  async function generateSealingKeyPair(options) {
    const extractable = Boolean(options && options.extractable);
    return subtle().generateKey(ECDH, extractable, ["deriveBits"]);
  }

  async function generateSigningKeyPair(options) {
    const extractable = Boolean(options && options.extractable);
    return subtle().generateKey(ECDSA, extractable, ["sign", "verify"]);
  }

  function isCryptoKey(value) {
    return typeof CryptoKey !== "undefined" && value instanceof CryptoKey;
  }

  async function publicJwk(key) {
    const jwk = isCryptoKey(key) ? await subtle().exportKey("jwk", key) : key;
    if (!jwk || jwk.kty !== "EC" || jwk.crv !== "P-256") throw new BidKeyError("密钥必须是 P-256 椭圆曲线密钥");
    return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
  }

  async function keyId(publicKey) {
    const jwk = await publicJwk(publicKey);
    const members = '{"crv":"P-256","kty":"EC","x":"' + jwk.x + '","y":"' + jwk.y + '"}';
    return b64url(await sha256(ascii(members)));
  }

  async function exportJwk(key, use) {
    if (use !== "enc" && use !== "sig") throw new BidKeyError("use 应为 enc（密封）或 sig（签名）");
    let jwk;
    try {
      jwk = await subtle().exportKey("jwk", key);
    } catch (error) {
      throw new BidKeyError("该私钥生成时设为不可导出，不能导出备份");
    }
    const out = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, use: use, kid: await keyId(jwk) };
    if (use === "sig") out.alg = "ES256";
    if (jwk.d) out.d = jwk.d;
    return out;
  }

  async function importJwk(jwk, use, algorithm, privateUsages, publicUsages, extractable) {
    if (!jwk || jwk.kty !== "EC" || jwk.crv !== "P-256") throw new BidKeyError("JWK 密钥必须是 kty=EC、crv=P-256");
    if (jwk.use !== undefined && jwk.use !== use) {
      throw new BidKeyError("这是" + (USE_NAMES[jwk.use] || jwk.use) + "密钥，不能用作" + USE_NAMES[use] + "密钥");
    }
    const clean = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
    try {
      const publicKey = await subtle().importKey("jwk", clean, algorithm, true, publicUsages);
      if (!jwk.d) return publicKey;
      const privateKey = await subtle().importKey("jwk", Object.assign({ d: jwk.d }, clean), algorithm, Boolean(extractable), privateUsages);
      return { privateKey, publicKey };
    } catch (error) {
      throw new BidKeyError("无法导入 JWK 密钥：" + error.message);
    }
  }

  function importSealingKey(jwk, options) {
    return importJwk(jwk, "enc", ECDH, ["deriveBits"], [], options && options.extractable);
  }

  function importSigningKey(jwk, options) {
    return importJwk(jwk, "sig", ECDSA, ["sign"], ["verify"], options && options.extractable);
  }

  async function asPublic(key, importer) {
    if (isCryptoKey(key)) return key;
    if (key && key.publicKey) return key.publicKey;
    const imported = await importer(key);
    return imported.publicKey || imported;
  }

  async function asPair(pair, importer, what) {
    if (pair && isCryptoKey(pair.privateKey) && isCryptoKey(pair.publicKey)) return pair;
    if (pair && pair.d) return importer(pair);
    throw new BidKeyError("需要" + what + "密钥对（{privateKey, publicKey}）或含私钥的 JWK");
  }

  async function rawPublic(key) {
    return new Uint8Array(await subtle().exportKey("raw", key));
  }

  async function deriveKek(privateKey, publicKey, ephemeralRaw, recipientRaw, usage) {
    const shared = await subtle().deriveBits({ name: "ECDH", public: publicKey }, privateKey, 256);
    const ikm = await subtle().importKey("raw", shared, "HKDF", false, ["deriveKey"]);
    return subtle().deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: concat([ephemeralRaw, recipientRaw]), info: KEY_WRAP_INFO },
      ikm,
      { name: "AES-KW", length: 256 },
      false,
      [usage],
    );
  }

  async function signP1363(privateKey, message) {
    return new Uint8Array(await subtle().sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, message));
  }

  // --- sealing --------------------------------------------------------------------------------------

  function fileInputs(files) {
    return Array.from(files || [], (item) => {
      if (typeof Blob !== "undefined" && item instanceof Blob && typeof item.name === "string") {
        return { name: item.name, blob: item };
      }
      if (item && typeof item.name === "string" && item.blob instanceof Blob) return { name: item.name, blob: item.blob };
      if (item && typeof item.name === "string" && item.data !== undefined) {
        return { name: item.name, blob: new Blob([item.data]) };
      }
      throw new BidFormatError("files 的每一项应为 File，或 {name, blob}");
    });
  }

  async function seal(options) {
    const o = options || {};
    const progress = typeof o.onProgress === "function" ? o.onProgress : () => {};
    const inputs = fileInputs(o.files);
    const recipient = await asPublic(o.sealingPublicKey, importSealingKey);
    const signer = await asPair(o.signingKeyPair, importSigningKey, "签名");
    const total = inputs.reduce((sum, input) => sum + input.blob.size, 0);
    let done = 0;

    // Pass 1: every file's hash list (slices of 1 MiB, never the whole file in memory).
    const leaves = [];
    const entries = [];
    for (const input of inputs) {
      const fileLeaves = [];
      for (let start = 0; start < input.blob.size; start += SEGMENT) {
        const data = await readSlice(input.blob, start, Math.min(input.blob.size, start + SEGMENT));
        fileLeaves.push(await sha256(data));
        done += data.length;
        progress({ phase: "hash", done, total });
      }
      leaves.push(...fileLeaves);
      const digest = await hashListRoot(LABEL_FILE, input.blob.size, fileLeaves);
      entries.push({ name: input.name, size: input.blob.size, digest: hex(digest) });
    }
    const manifest = manifestValidate({
      format: "GGZY-BID-PACKAGE",
      version: VERSION,
      lot_code: o.lotCode,
      bidder_uscc: o.bidderUscc,
      salt: b64url(global.crypto.getRandomValues(new Uint8Array(32))),
      opening_data: o.openingData,
      files: entries,
    });
    const head = buildHead(manifest);

    const cek = await subtle().generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
    const ephemeral = await subtle().generateKey(ECDH, false, ["deriveBits"]);
    const ephemeralRaw = await rawPublic(ephemeral.publicKey);
    const recipientRaw = await rawPublic(recipient);
    const kek = await deriveKek(ephemeral.privateKey, recipient, ephemeralRaw, recipientRaw, "wrapKey");
    const wrapped = new Uint8Array(await subtle().wrapKey("raw", cek, kek, "AES-KW"));
    const sizes = inputs.map((input) => input.blob.size);
    const segments = layout(0, head.length, sizes);
    const prefixNonce = global.crypto.getRandomValues(new Uint8Array(7));
    const cekRaw = new Uint8Array(await subtle().exportKey("raw", cek));
    const committedKey = await keyCommitment(prefixNonce, cekRaw);
    cekRaw.fill(0);
    const header = {
      format: "GGZY-BID",
      version: VERSION,
      suite: SUITE,
      lot_code: manifest.lot_code,
      bidder_uscc: manifest.bidder_uscc,
      segment_size: SEGMENT,
      head_length: head.length,
      plaintext_length: head.length + total,
      segment_count: segments.length,
      nonce_prefix: b64url(prefixNonce),
      ephemeral_key: b64url(ephemeralRaw),
      wrapped_key: b64url(wrapped),
      key_commitment: b64url(committedKey),
      recipient_key_id: await keyId(recipient),
      signer_key_id: await keyId(signer.publicKey),
    };
    headerValidate(header);
    const headerBytes = encoder.encode(canonicalJson(header, "文件头"));
    const prefix = concat([ENVELOPE_MAGIC, u32(headerBytes.length), headerBytes]);
    const ad = await sha256(prefix);

    // Pass 2: encrypt segment by segment, hash the ciphertext stream as it is produced.
    const body = new BlobBuilder();
    const cipherHash = new StreamHashList(LABEL_CIPHERTEXT);
    body.add(prefix);
    await cipherHash.update(prefix);
    done = 0;
    for (const segment of segments) {
      let data;
      if (segment.part === 0) {
        data = head;
      } else {
        const input = inputs[segment.part - 1];
        data = await readSlice(input.blob, segment.partOffset, segment.partOffset + segment.length);
        if (!equalBytes(await sha256(data), leaves[segment.counter - 1])) {
          throw new BidIntegrityError("文件“" + input.name + "”在密封过程中被修改，请重新选择文件后再密封");
        }
        done += data.length;
      }
      const iv = nonce(prefixNonce, segment.counter, segment.last);
      const sealed = new Uint8Array(
        await subtle().encrypt({ name: "AES-GCM", iv, additionalData: ad, tagLength: 128 }, cek, data),
      );
      body.add(sealed);
      await cipherHash.update(sealed);
      progress({ phase: "encrypt", done, total });
    }
    const ciphertextDigest = await cipherHash.finish();
    const commitment = await commitmentOfHead(head);
    const signature = await signP1363(signer.privateKey, signatureMessage(header, commitment, ciphertextDigest));
    body.add(concat([TRAILER_MAGIC, commitment, ciphertextDigest, signature]));
    const envelope = body.finish("application/octet-stream");
    return {
      envelope,
      size: envelope.size,
      commitment: hex(commitment),
      ciphertextDigest: hex(ciphertextDigest),
      signature: b64url(signature),
      header,
      manifest,
    };
  }

  // --- reading ----------------------------------------------------------------------------------------

  async function openEnvelope(envelope) {
    if (!(envelope instanceof Blob)) throw new BidFormatError("envelope 应为 Blob 或 File");
    if (envelope.size < PREFIX_FIXED) throw new BidFormatError("文件太短，不是 GGZY 密封投标文件");
    const start = await readSlice(envelope, 0, PREFIX_FIXED);
    if (!equalBytes(start.subarray(0, 8), ENVELOPE_MAGIC)) {
      if (equalBytes(start.subarray(0, 7), ENVELOPE_MAGIC.subarray(0, 7))) {
        throw new BidFormatError("不支持的密封投标文件版本：" + start[7]);
      }
      if (equalBytes(start.subarray(0, 8), PACKAGE_MAGIC)) throw new BidFormatError("这是未加密的明文包，不是密封投标文件");
      throw new BidFormatError("不是 GGZY 密封投标文件：文件标识不符");
    }
    const headerLength = new DataView(start.buffer).getUint32(8, false);
    if (headerLength < 2 || headerLength > MAX_HEADER) throw new BidFormatError("文件头长度无效");
    if (envelope.size < PREFIX_FIXED + headerLength) throw new BidIntegrityError("投标文件在文件头中间结束：文件被截断");
    const prefix = await readSlice(envelope, 0, PREFIX_FIXED + headerLength);
    const header = headerValidate(parseCanonical(prefix.subarray(PREFIX_FIXED), "文件头"));
    const expected = prefix.length + header.plaintext_length + TAG * header.segment_count + TRAILER_SIZE;
    if (envelope.size !== expected) {
      throw new BidIntegrityError(
        "投标文件长度为 " + envelope.size + " 字节，文件头声明应为 " + expected + " 字节：文件被截断、拼接或增删了分段",
      );
    }
    const trailer = await readSlice(envelope, envelope.size - TRAILER_SIZE, envelope.size);
    if (!equalBytes(trailer.subarray(0, 8), TRAILER_MAGIC)) {
      throw new BidIntegrityError("文件尾（承诺与签名）缺失或损坏：投标文件可能被截断或拼接");
    }
    return {
      header,
      prefix,
      headerDigest: await sha256(prefix),
      commitment: trailer.slice(8, 40),
      ciphertextDigest: trailer.slice(40, 72),
      signature: trailer.slice(72, 136),
      size: envelope.size,
    };
  }

  function report(opened, verified) {
    return {
      verified,
      header: opened.header,
      commitment: hex(opened.commitment),
      ciphertextDigest: hex(opened.ciphertextDigest),
      signature: b64url(opened.signature),
      size: opened.size,
    };
  }

  async function inspect(envelope) {
    return report(await openEnvelope(envelope), false);
  }

  function checkExpected(actual, expected, message) {
    if (expected === undefined || expected === null) return;
    const wanted = String(expected).toLowerCase();
    if (!equalBytes(actual, fromHex(wanted, "预期摘要"))) {
      throw new BidIntegrityError(message.replace("{actual}", hex(actual)).replace("{expected}", wanted));
    }
  }

  async function verify(options) {
    const o = options || {};
    const opened = await openEnvelope(o.envelope);
    const publicKey = await asPublic(o.signingPublicKey, importSigningKey);
    const given = await keyId(publicKey);
    if (given !== opened.header.signer_key_id) {
      throw new BidKeyError("签名公钥与投标文件不符：文件头记录的签名密钥标识为 " + opened.header.signer_key_id + "，所给公钥为 " + given);
    }
    const bodyLength = opened.size - TRAILER_SIZE;
    const leaves = [];
    for (let start = 0; start < bodyLength; start += SEGMENT) {
      leaves.push(await sha256(await readSlice(o.envelope, start, Math.min(bodyLength, start + SEGMENT))));
    }
    const digest = await hashListRoot(LABEL_CIPHERTEXT, bodyLength, leaves);
    if (!equalBytes(digest, opened.ciphertextDigest)) throw new BidIntegrityError("密文摘要不符：文件头或密文在签名之后被改动");
    const message = signatureMessage(opened.header, opened.commitment, digest);
    const valid = await subtle().verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, opened.signature, message);
    if (!valid) throw new BidIntegrityError("投标人签名无效：承诺、密文摘要或文件头与签名不符");
    checkExpected(opened.commitment, o.expectedCommitment, "明文承诺 {actual} 与回执中的承诺 {expected} 不一致");
    checkExpected(digest, o.expectedCiphertextDigest, "密文摘要 {actual} 与回执中的 {expected} 不一致");
    return report(opened, true);
  }

  // The raw content key, unwrapped with the sealing key pair and checked against the key commitment.
  async function unwrapKey(opened, pairOrJwk) {
    const pair = await asPair(pairOrJwk, importSealingKey, "密封");
    const given = await keyId(pair.publicKey);
    if (given !== opened.header.recipient_key_id) {
      throw new BidKeyError("密封私钥与本投标文件不匹配：文件头要求密钥标识 " + opened.header.recipient_key_id + "，所给私钥为 " + given);
    }
    const ephemeralRaw = fromB64url(opened.header.ephemeral_key, 65, "临时公钥");
    let ephemeral;
    try {
      ephemeral = await subtle().importKey("raw", ephemeralRaw, ECDH, false, []);
    } catch (error) {
      throw new BidFormatError("临时公钥（ephemeral_key）不是 P-256 曲线上的点");
    }
    const kek = await deriveKek(pair.privateKey, ephemeral, ephemeralRaw, await rawPublic(pair.publicKey), "unwrapKey");
    let raw;
    try {
      const key = await subtle().unwrapKey(
        "raw",
        fromB64url(opened.header.wrapped_key, 40, "封装的内容密钥"),
        kek,
        "AES-KW",
        { name: "AES-GCM" },
        true,
        ["decrypt"],
      );
      raw = new Uint8Array(await subtle().exportKey("raw", key));
    } catch (error) {
      throw new BidKeyError("无法解开内容密钥：封装的密钥或临时公钥被改动，或私钥不对");
    }
    await checkKeyCommitment(
      opened.header,
      raw,
      "解开的内容密钥与文件头中的密钥承诺不符：文件头被改动，或投标文件在密封时就不一致",
    );
    return raw;
  }

  async function unwrapContentKey(options) {
    const o = options || {};
    const opened = await openEnvelope(o.envelope);
    return unwrapKey(opened, o.sealingKeyPair);
  }

  async function unseal(options) {
    const o = options || {};
    const progress = typeof o.onProgress === "function" ? o.onProgress : () => {};
    const opened = await openEnvelope(o.envelope);
    const header = opened.header;
    // The key is checked against the header's key commitment before any segment is decrypted.
    let raw;
    if (o.contentKey) {
      raw = new Uint8Array(o.contentKey);
      if (raw.length !== 32) throw new BidKeyError("内容密钥应为 32 字节");
      await checkKeyCommitment(
        header,
        raw,
        "该内容密钥不是本投标文件承诺的内容密钥（与文件头中的密钥承诺不符），未解密任何内容",
      );
    } else {
      raw = await unwrapKey(opened, o.sealingKeyPair);
    }
    const cek = await subtle().importKey("raw", raw, { name: "AES-GCM" }, false, ["decrypt"]);
    const prefixNonce = fromB64url(header.nonce_prefix, 7, "随机数前缀");
    const decrypt = async (segment) => {
      const data = await readSlice(o.envelope, segment.offset, segment.offset + segment.length + TAG);
      try {
        const iv = nonce(prefixNonce, segment.counter, segment.last);
        return new Uint8Array(
          await subtle().decrypt({ name: "AES-GCM", iv, additionalData: opened.headerDigest, tagLength: 128 }, cek, data),
        );
      } catch (error) {
        if (segment.counter === 0) throw new BidIntegrityError("文件头或第 1 段认证失败：文件头被改动，或密文被改动、替换");
        throw new BidIntegrityError(
          "第 " + (segment.counter + 1) + " 段（共 " + header.segment_count + " 段）认证失败：密文被改动、截断、重排或与其他投标文件拼接",
        );
      }
    };
    const first = { counter: 0, part: 0, partOffset: 0, length: header.head_length, offset: opened.prefix.length };
    first.last = header.segment_count === 1;
    const head = await decrypt(first);
    const manifest = parseHead(head);
    if (manifest.lot_code !== header.lot_code || manifest.bidder_uscc !== header.bidder_uscc) {
      throw new BidIntegrityError("清单中的标段编号或统一社会信用代码与文件头不一致");
    }
    const sizes = manifest.files.map((entry) => entry.size);
    const plain = head.length + sizes.reduce((sum, size) => sum + size, 0);
    if (plain !== header.plaintext_length) {
      throw new BidIntegrityError("清单所列文件总长 " + plain + " 字节与实际明文长度 " + header.plaintext_length + " 字节不符");
    }
    const segments = layout(opened.prefix.length, header.head_length, sizes);
    if (segments.length !== header.segment_count) throw new BidIntegrityError("清单所列文件的分段数与文件头不符");
    const builders = manifest.files.map(() => new BlobBuilder());
    const leaves = manifest.files.map(() => []);
    let done = 0;
    for (const segment of segments.slice(1)) {
      const data = await decrypt(segment);
      leaves[segment.part - 1].push(await sha256(data));
      builders[segment.part - 1].add(data);
      done += data.length;
      progress({ phase: "decrypt", done, total: plain - head.length });
    }
    const files = [];
    for (let i = 0; i < manifest.files.length; i++) {
      const entry = manifest.files[i];
      const digest = hex(await hashListRoot(LABEL_FILE, entry.size, leaves[i]));
      if (digest !== entry.digest) {
        throw new BidIntegrityError("文件“" + entry.name + "”的内容摘要与清单不符：清单记录 " + entry.digest + "，实际 " + digest);
      }
      files.push({ name: entry.name, size: entry.size, digest, blob: builders[i].finish() });
    }
    const commitment = await commitmentOfHead(head);
    if (!equalBytes(commitment, opened.commitment)) {
      throw new BidIntegrityError("明文承诺不符：解密得到的明文摘要为 " + hex(commitment) + "，投标人承诺的是 " + hex(opened.commitment));
    }
    checkExpected(commitment, o.expectedCommitment, "明文摘要 {actual} 与投标回执中的承诺 {expected} 不一致");
    return { manifest, openingData: manifest.opening_data, files, commitment: hex(commitment), header };
  }

  global.GGZYSealing = Object.freeze({
    FORMAT_VERSION: VERSION,
    SUITE,
    SEGMENT_SIZE: SEGMENT,
    BidError,
    BidFormatError,
    BidIntegrityError,
    BidKeyError,
    generateSealingKeyPair,
    generateSigningKeyPair,
    exportJwk,
    importSealingKey,
    importSigningKey,
    keyId,
    seal,
    unseal,
    unwrapContentKey,
    verify,
    inspect,
    canonicalJson,
  });
})(typeof self !== "undefined" ? self : globalThis);
