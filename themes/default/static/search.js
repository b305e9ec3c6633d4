/* Client-side search over the static index written by sitegen/search_index.py.

   Exact substring search: a story matches when its title or body contains every
   whitespace-separated term of the query, after folding (NFKC, traditional -> simplified
   by character, lowercase). A term of two or more characters is looked up by character
   bigrams with positions and verified by chaining them at consecutive positions; a
   one-character term by the character index. Only the shards holding the query's keys are
   fetched, and doc metadata only for the results shown.

   Page contract (themes/default/templates/search.html):
     <form id="search-form" role="search"> with <input id="search-input" name="q">,
     <div id="search-status" aria-live="polite">, <ol id="search-results">, and
     <script src="search.js" defer data-index="{base}search/manifest.json" data-base="{base}">.
   No dependencies, no requests outside the site. */
(() => {
  "use strict";

  const FORMAT_VERSION = 1;
  const MAX_RESULTS = 50;
  // Exactly JavaScript's \s, spelled out as SPACE_CHARS in search_index.py: the index
  // holds no key containing one of these, because queries are split on them.
  const SPACE = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/u;

  const script = document.currentScript;
  const form = document.getElementById("search-form");
  const input = document.getElementById("search-input");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  if (!script || !script.dataset.index || !form || !input || !status || !list) return;

  const manifestUrl = new URL(script.dataset.index, document.baseURI);
  const base = script.dataset.base || "/";
  const encoder = new TextEncoder();
  const files = new Map(); // url -> Promise of parsed JSON; index files are immutable per build
  let t2s = null; // Map traditional char -> simplified char, loaded on the first non-ASCII query
  let latest = 0; // number of the newest search; older ones finishing late are dropped

  /** Fetch a file of the index (names are relative to the manifest), once per page. */
  function load(name) {
    const url = new URL(name, manifestUrl).href;
    if (!files.has(url)) {
      const promise = fetch(url).then((response) => {
        if (!response.ok) throw new Error(`${response.status} ${url}`);
        return response.json();
      });
      promise.catch(() => files.delete(url)); // a failed fetch is retried by the next search
      files.set(url, promise);
    }
    return files.get(url);
  }

  /** The folding rule of search_index.fold(), in the same order. */
  async function fold(manifest, text) {
    let folded = text.normalize("NFKC");
    if (/[^\x00-\x7f]/.test(folded)) {
      if (t2s === null) {
        const table = await load(`t2s-${manifest.t2s}.json`);
        const simplified = Array.from(table.s);
        t2s = new Map(Array.from(table.t, (ch, i) => [ch, simplified[i]]));
      }
      folded = Array.from(folded, (ch) => t2s.get(ch) ?? ch).join("");
    }
    return folded.toLowerCase();
  }

  /** FNV-1a (32 bit) over UTF-8 bytes, as search_index.shard_of(). */
  function shardOf(key, count) {
    let h = 0x811c9dc5;
    for (const byte of encoder.encode(key)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    return h % count;
  }

  /** The keys that prove a term: its character, or bigrams at 0, 2, 4 ... and the last one.
      Together they cover every character, so chaining them at their offsets is exact. */
  function plan(term) {
    const chars = Array.from(term);
    if (chars.length === 1) return { single: true, keys: [term], offsets: [0] };
    const offsets = [];
    for (let i = 0; i < chars.length - 1; i += 2) offsets.push(i);
    if (offsets[offsets.length - 1] !== chars.length - 2) offsets.push(chars.length - 2);
    return { single: false, keys: offsets.map((i) => chars[i] + chars[i + 1]), offsets };
  }

  function undelta(gaps) {
    let n = 0;
    return gaps.map((gap) => (n += gap));
  }

  /** Bigram postings -> Map doc id -> sorted positions (negative: in the title). */
  function bigramDocs(postings) {
    const docs = new Map();
    let doc = 0;
    for (const entry of postings) {
      doc += entry[0];
      docs.set(doc, undelta(entry.slice(1)));
    }
    return docs;
  }

  function contains(sorted, value) {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] === value) return true;
      if (sorted[mid] < value) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** One term -> Map doc id -> {count, title}; count is 1 for one-character terms
      (their index keeps no positions). */
  function matchTerm(termPlan, postings) {
    const found = new Map();
    if (postings.some((p) => p === undefined)) return found;
    if (termPlan.single) {
      const [all, inTitle] = postings[0];
      const titled = new Set(undelta(inTitle));
      for (const doc of undelta(all)) found.set(doc, { count: 1, title: titled.has(doc) });
      return found;
    }
    const lists = postings.map(bigramDocs);
    let rarest = 0;
    lists.forEach((docs, i) => {
      if (docs.size < lists[rarest].size) rarest = i;
    });
    for (const [doc, anchors] of lists[rarest]) {
      const others = lists.map((docs) => docs.get(doc));
      if (others.some((p) => p === undefined)) continue;
      let count = 0;
      let title = false;
      for (const anchor of anchors) {
        const start = anchor - termPlan.offsets[rarest];
        if (others.every((positions, i) => i === rarest || contains(positions, start + termPlan.offsets[i]))) {
          count += 1;
          title = title || start < 0;
        }
      }
      if (count > 0) found.set(doc, { count, title });
    }
    return found;
  }

  /** Query -> {total, docs} for the best MAX_RESULTS, or null for a query with no terms. */
  async function search(query) {
    const manifest = await load(manifestUrl.href);
    if (manifest.version !== FORMAT_VERSION) throw new Error(`search index version ${manifest.version}`);
    const terms = [...new Set((await fold(manifest, query)).split(SPACE).filter(Boolean))];
    if (terms.length === 0) return null;
    const plans = terms.map(plan);
    const count = manifest.shards.length;
    const needed = [...new Set(plans.flatMap((p) => p.keys.map((key) => shardOf(key, count))))];
    const shards = new Map(
      await Promise.all(needed.map(async (n) => [n, await load(`shard-${manifest.shards[n]}.json`)])),
    );
    const lookup = (key) => {
      const shard = shards.get(shardOf(key, count));
      return Object.prototype.hasOwnProperty.call(shard, key) ? shard[key] : undefined;
    };

    let hits = null; // doc id -> {count, titleTerms}
    for (const termPlan of plans) {
      const found = matchTerm(termPlan, termPlan.keys.map(lookup));
      const next = new Map();
      for (const [doc, match] of found) {
        const before = hits === null ? { count: 0, titleTerms: 0 } : hits.get(doc);
        if (before) next.set(doc, { count: before.count + match.count, titleTerms: before.titleTerms + (match.title ? 1 : 0) });
      }
      hits = next;
      if (hits.size === 0) break;
    }

    // Title hits first, then more occurrences, then newer (doc ids run newest first).
    const ranked = [...hits]
      .sort(([a, x], [b, y]) => y.titleTerms - x.titleTerms || y.count - x.count || a - b)
      .slice(0, MAX_RESULTS)
      .map(([doc]) => doc);
    const size = manifest.chunk_size;
    const chunkIds = [...new Set(ranked.map((doc) => Math.floor(doc / size)))];
    const chunks = new Map(
      await Promise.all(chunkIds.map(async (c) => [c, await load(`docs-${manifest.chunks[c]}.json`)])),
    );
    return { total: hits.size, docs: ranked.map((doc) => chunks.get(Math.floor(doc / size))[doc % size]) };
  }

  /** "2022-08-18" -> "2022年8月18日", as the site's list pages write dates. */
  function cnDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日` : "日期不详";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** One result in the markup of the list pages' story items; text only, never HTML. */
  function resultItem(doc) {
    const item = element("li", "story");
    const heading = element("h2", "story-title");
    const link = element("a", "", doc.title);
    link.href = base + doc.url;
    heading.append(link);
    const meta = element("p", "story-meta");
    const time = element("time", "", cnDate(doc.date));
    if (doc.date) time.dateTime = doc.date;
    meta.append(time);
    if (doc.source) meta.append(` · ${doc.source}`);
    item.append(heading, meta);
    if (doc.summary) item.append(element("p", "story-summary", doc.summary));
    return item;
  }

  async function run(query) {
    const ticket = ++latest;
    if (!query.trim()) {
      status.textContent = "";
      list.replaceChildren();
      return;
    }
    status.textContent = "正在搜索…";
    let result;
    try {
      result = await search(query);
    } catch (err) {
      if (ticket === latest) {
        list.replaceChildren();
        status.textContent = "搜索暂时不可用：索引文件加载失败，请稍后再试。";
      }
      return;
    }
    if (ticket !== latest) return;
    list.replaceChildren(...(result ? result.docs.map(resultItem) : []));
    if (!result) status.textContent = "请输入要查找的字词。";
    else if (result.total === 0) status.textContent = `没有找到包含“${query.trim()}”的报道。`;
    else if (result.total > MAX_RESULTS) status.textContent = `找到 ${result.total} 篇，显示最相关的 ${MAX_RESULTS} 篇。`;
    else status.textContent = `找到 ${result.total} 篇。`;
  }

  function queryFromUrl() {
    return new URLSearchParams(window.location.search).get("q") || "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = input.value;
    const url = new URL(window.location.href);
    url.search = query ? `?${new URLSearchParams({ q: query })}` : "";
    if (url.href !== window.location.href) window.history.pushState(null, "", url.href);
    run(query);
  });

  window.addEventListener("popstate", () => {
    input.value = queryFromUrl();
    run(input.value);
  });

  input.value = queryFromUrl();
  run(input.value);
})();
