/* Client-side search over the static index written by sitegen/search/index.py.

   Exact substring search: a story matches when its title or body contains every
   whitespace-separated term of the query, after folding (NFKC, traditional -> simplified
   by character, lowercase). The query side follows sitegen/search/query.py step by step
   (the tests check that both give the same hits, order, facet counts, snippets and files fetched):
   fetch the shards of the query's keys (guessing that folding keeps the query; the t2s table's
   buckets only when a key is not in the index), the D parts of the rarest key and of every key
   in one block, then only the D parts of the other keys' blocks that hold its docs, then the P
   parts (positions) needed to verify terms of three or more characters, then the fragments of
   the results shown (their excerpts are the snippets) with the facet columns, when the counts
   need them.

   Page contract (themes/default/templates/search.html):
     <form id="search-form" role="search"> with <input id="search-input" name="q">,
     <div id="search-status" aria-live="polite">, <div id="search-facets">,
     <ol id="search-results">, <button id="search-more" hidden>, and, when the page has them,
     <details id="search-filter"> around the facets and <div id="search-chips"> for the chosen ones;
     <script src="search.js" defer data-index="{base}search/manifest.json" data-base="{base}">.
   The query, the facets and the number of results shown live in the URL
   (?q=...&topic=...&region=...&source=...&year=...&n=...); the scroll position in sessionStorage, by URL.
   No dependencies, no requests outside the site; data is inserted as text, never as HTML. */
(() => {
  "use strict";

  const FORMAT_VERSION = 9;
  const SNIPPET_CHARS = 110; // characters of a line shown as a result's snippet ...
  const SNIPPET_BEFORE = 30; // ... from this many before its hit
  const SLOT_SIZE = 1 << 6; // two lines' positions are further apart (see line_bases() in sitegen/search/index.py)
  const PAGE_SIZE = 10;
  const FACETS = [
    ["topic", "专题"],
    ["region", "地区"],
    ["source", "来源"],
    ["year", "年份"],
  ];
  const FACET_SHOWN = 8; // values listed before the "show all" button
  const TYPING_PAUSE = 250; // milliseconds without a keystroke before the query typed is searched
  const WIDE = "(min-width: 72em)"; // the facets beside the results, open (as style.css)
  // Exactly JavaScript's \s, spelled out as SPACE_CHARS in search_index.py: the index
  // holds no key containing one of these, because queries are split on them.
  const SPACE = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/u;

  const script = document.currentScript;
  const form = document.getElementById("search-form");
  const input = document.getElementById("search-input");
  const status = document.getElementById("search-status");
  const facetBox = document.getElementById("search-facets");
  const list = document.getElementById("search-results");
  const more = document.getElementById("search-more");
  const filter = document.getElementById("search-filter");
  const chips = document.getElementById("search-chips");
  if (!script || !script.dataset.index || !form || !input || !status || !facetBox || !list || !more) return;

  const manifestUrl = new URL(script.dataset.index, document.baseURI);
  const base = script.dataset.base || "/";
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const files = new Map(); // url -> Promise of bytes; index files are immutable per build
  const expanded = new Set(); // facets whose full value list is shown
  let latest = 0; // number of the newest search; older ones finishing late are dropped

  /* ---------- reading the index (mirrors sitegen/search/query.py) ---------- */

  /** A file of the index (names are relative to the manifest) as bytes, gunzipped, once per page.
      gzip files are recognised by their magic bytes: a host may already have decoded them. */
  function load(name) {
    const url = new URL(name, manifestUrl).href;
    if (!files.has(url)) {
      const promise = fetch(url)
        .then((response) => {
          if (!response.ok) throw new Error(`${response.status} ${url}`);
          return response.arrayBuffer();
        })
        .then((buffer) => {
          const bytes = new Uint8Array(buffer);
          if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
          const stream = new Response(bytes).body.pipeThrough(new DecompressionStream("gzip")); // a Blob would cost an IPC
          return new Response(stream).arrayBuffer().then((plain) => new Uint8Array(plain));
        });
      promise.catch(() => files.delete(url)); // a failed fetch is retried by the next search
      files.set(url, promise);
    }
    return files.get(url);
  }

  const parsedJson = new Map(); // url -> Promise of the parsed file, its value also kept as .value

  /** A JSON file of the index, parsed once per page (its value is only read). */
  function json(name) {
    const url = new URL(name, manifestUrl).href;
    if (!parsedJson.has(url)) {
      const promise = load(url).then((bytes) => (promise.value = JSON.parse(decoder.decode(bytes))));
      promise.catch(() => parsedJson.delete(url));
      parsedJson.set(url, promise);
    }
    return parsedJson.get(url);
  }

  /** The folding rule of search_index.fold(), in the same order. indexed: a promise that every key of the
      text folded without the t2s table is in the index; then the table changes none of its characters,
      but for those it both yields and changes (the keys are folded text), and none of its buckets is
      fetched (as query.py's Reader.fold()). */
  async function fold(manifest, text, indexed) {
    const normal = text.normalize("NFKC");
    if ((await indexed) && !Array.from(normal).some((ch) => manifest.t2s_again.includes(ch))) return normal.toLowerCase();
    const [folder, count] = manifest.t2s;
    const buckets = new Set();
    for (const ch of normal) if (ch.codePointAt(0) > 0x7f) buckets.add(ch.codePointAt(0) % count);
    const table = new Map();
    for (const part of await Promise.all([...buckets].map((b) => json(`t2s-${folder}/${b}.json`)))) {
      const simplified = Array.from(part.s);
      Array.from(part.t).forEach((ch, i) => table.set(ch, simplified[i]));
    }
    return Array.from(normal, (ch) => table.get(ch) ?? ch).join("").toLowerCase();
  }

  /** FNV-1a (32 bit) over UTF-8 bytes, as search_index.fnv1a(). */
  function fnv1a(key) {
    let h = 0x811c9dc5;
    for (const byte of encoder.encode(key)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    return h;
  }

  /** Every varint in bytes. */
  function decode(bytes) {
    const out = [];
    let value = 0;
    let shift = 0;
    for (const byte of bytes) {
      if (byte < 0x80) {
        out.push(value + byte * 2 ** shift);
        value = 0;
        shift = 0;
      } else {
        value += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      }
    }
    return out;
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  /** Shard bytes -> Map key -> {df, counts, best, blocks: [{base, d, p}], bases}; a part is bytes or a file
      name; counts: the facet counts' bytes of a key in counted docs or more (the manifest's), else null; best:
      such a key's first docs as a query of the key alone ranks them, else empty. */
  function parseShard(bytes, counted) {
    const records = new Map();
    let at = 0;
    const number = () => {
      let value = 0;
      let shift = 0;
      while (bytes[at] >= 0x80) {
        value += (bytes[at++] & 0x7f) * 2 ** shift;
        shift += 7;
      }
      return value + bytes[at++] * 2 ** shift;
    };
    const part = (prefix) => {
      if (bytes[at++] === 0) {
        const length = number();
        at += length;
        return bytes.subarray(at - length, at);
      }
      at += 6;
      return `${prefix}-${hex(bytes.subarray(at - 6, at))}.bin`;
    };
    while (at < bytes.length) {
      const length = number();
      const key = decoder.decode(bytes.subarray(at, at + length));
      at += length;
      const df = number();
      let counts = null;
      const best = [];
      if (df >= counted) {
        const length = number();
        at += length;
        counts = bytes.subarray(at - length, at);
        for (let n = number(); n > 0; n--) best.push(number());
      }
      const blocks = [];
      let base = -1;
      for (let n = number(); n > 0; n--) {
        base += number();
        const d = part("d");
        blocks.push({ base, d, p: Array.from(key).length === 2 ? part("p") : null });
      }
      records.set(key, { df, counts, best, blocks, bases: blocks.map((b) => b.base) });
    }
    return records;
  }

  /** The block whose doc range holds doc: the last one whose base is below it. */
  function blockOf(record, doc) {
    let lo = 0;
    let hi = record.bases.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (record.bases[mid] < doc) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The blocks holding any of docs (sorted ascending). */
  function blocksOf(record, docs) {
    const blocks = [];
    for (const doc of docs) {
      const n = blockOf(record, doc);
      if (blocks[blocks.length - 1] !== n) blocks.push(n);
    }
    return blocks;
  }

  /** A key's entries in the D parts of some of its blocks, in doc order, as parallel arrays.
      An entry's positions are in the P part of its block, segment `segment`, from `slot` on. */
  function docList(record, wanted, parts) {
    const values = parts.map(decode);
    let total = 0;
    for (const v of values) {
      for (let at = 0; at < v.length; ) {
        const n = v[at];
        let next = at + 1 + 2 * n;
        for (let j = 0; j < n; j++) if (v[at + 1 + n + j] % 2) next++;
        total += n;
        at = next;
      }
    }
    const list = {
      docs: new Int32Array(total),
      counts: new Int32Array(total),
      titleCounts: new Int32Array(total),
      block: new Int32Array(total),
      segment: new Int32Array(total),
      slot: new Int32Array(total),
      segmentTotals: new Map(), // block -> positions in each of its segments
    };
    let e = 0;
    wanted.forEach((n, i) => {
      const v = values[i];
      const totals = [];
      let doc = record.blocks[n].base;
      for (let at = 0; at < v.length; ) {
        const count = v[at];
        let titled = at + 1 + 2 * count;
        let slot = 0;
        for (let j = 0; j < count; j++, e++) {
          doc += v[at + 1 + j];
          const code = v[at + 1 + count + j];
          list.docs[e] = doc;
          list.counts[e] = Math.floor(code / 2);
          list.titleCounts[e] = code % 2 ? v[titled++] : 0;
          list.block[e] = n;
          list.segment[e] = totals.length;
          list.slot[e] = slot;
          slot += list.counts[e];
        }
        totals.push(slot);
        at = titled;
      }
      list.segmentTotals.set(n, totals);
    });
    return list;
  }

  /** The docs in both sorted arrays. */
  function intersect(a, b) {
    const out = [];
    for (let i = 0, j = 0; i < a.length && j < b.length; ) {
      if (a[i] < b[j]) i++;
      else if (a[i] > b[j]) j++;
      else {
        out.push(a[i]);
        i++;
        j++;
      }
    }
    return Int32Array.from(out);
  }

  /** For each of docs (sorted, all in list), the number of its entry in list. */
  function entriesOf(list, docs) {
    const out = new Int32Array(docs.length);
    for (let i = 0, e = 0; i < docs.length; i++) {
      while (list.docs[e] < docs[i]) e++;
      out[i] = e;
    }
    return out;
  }

  /** A function (entry, buffer) -> the entry's positions, read from the P parts of its blocks
      into buffer (a bigger one when it is too small). */
  function positionReader(list, parts) {
    const where = new Map(); // block -> {view, starts: byte offset of each segment's positions, widths}
    for (const [n, bytes] of parts) {
      const starts = [];
      const widths = [];
      let at = 0;
      for (const total of list.segmentTotals.get(n)) {
        widths.push(bytes[at]);
        starts.push(at + 1);
        at += 1 + bytes[at] * total;
      }
      where.set(n, { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), starts, widths });
    }
    return (e, buffer) => {
      const { view, starts, widths } = where.get(list.block[e]);
      const width = widths[list.segment[e]];
      const count = list.counts[e];
      const out = buffer.length >= count ? buffer : new Uint32Array(2 * count);
      let at = starts[list.segment[e]] + width * list.slot[e];
      if (width === 2) for (let i = 0; i < count; i++, at += 2) out[i] = view.getUint16(at, true);
      else for (let i = 0; i < count; i++, at += 4) out[i] = view.getUint32(at, true);
      return out;
    };
  }

  /** Of the first count anchors p, how many every other list of a term's step holds at p + its offset (its
      positions read into other.buffer, other.length of them), and how many of those are among the first
      titleCount (in the title), into step.found; starts gets each such p. Called once per candidate doc and
      term, so it allocates nothing. */
  function chained(anchors, count, titleCount, step, starts) {
    const { rest, at } = step;
    at.fill(0);
    let good = 0;
    let titled = 0;
    for (let a = 0; a < count; a++) {
      const p = anchors[a];
      let ok = true;
      for (let k = 0; k < rest.length; k++) {
        const { buffer, length, offset } = rest[k];
        let j = at[k];
        while (j < length && buffer[j] < p + offset) j++;
        at[k] = j;
        if (j >= length || buffer[j] !== p + offset) ok = false;
      }
      if (ok) {
        good += 1;
        if (a < titleCount) titled += 1;
        if (starts) starts.push(p);
      }
    }
    step.found[0] = good;
    step.found[1] = titled;
  }

  /** [key, offset] pairs that prove a term: its character, or bigrams at 0, 2, 4 ... and len-2. */
  function plan(term) {
    const chars = Array.from(term);
    if (chars.length === 1) return [[term, 0]];
    const offsets = [];
    for (let i = 0; i < chars.length - 1; i += 2) offsets.push(i);
    if (offsets[offsets.length - 1] !== chars.length - 2) offsets.push(chars.length - 2);
    return offsets.map((i) => [chars[i] + chars[i + 1], i]);
  }

  /** The narrowest window (last start - first start) holding a hit of every list; SLOT_SIZE for any
      window across lines, which are all alike far. */
  function span(hits) {
    const events = hits.flatMap((starts, i) => starts.map((p) => [p, i]));
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const seen = new Array(hits.length).fill(0);
    let missing = hits.length;
    let best = -1;
    let lo = 0;
    for (const [p, i] of events) {
      if (++seen[i] === 1) missing--;
      while (missing === 0) {
        const [q, j] = events[lo++];
        if (best < 0 || p - q < best) best = p - q;
        if (--seen[j] === 0) missing++;
      }
    }
    return Math.min(best, SLOT_SIZE);
  }

  const bitLength = (n) => (n === 0 ? 0 : 32 - Math.clz32(n));

  const shardPath = (manifest, key) => `s-${manifest.shards[0]}/${fnv1a(key) % manifest.shards[1]}.bin`;
  const parsed = new Map(); // shard URL -> Promise of its records, parsed once per page

  function shard(manifest, key) {
    const name = shardPath(manifest, key);
    if (!parsed.has(name)) {
      const promise = load(name).then((bytes) => parseShard(bytes, manifest.counted));
      promise.catch(() => parsed.delete(name));
      parsed.set(name, promise);
    }
    return parsed.get(name);
  }

  /** The keys that prove terms, once each. */
  const keysOf = (terms) => [...new Set(terms.flatMap((term) => plan(term).map(([key]) => key)))];

  /** Terms -> [{doc, titleTerms, count, span}] for the docs holding every term, in doc order. */
  async function match(manifest, terms) {
    const plans = terms.map(plan);
    const keys = keysOf(terms);
    const records = await Promise.all(keys.map(async (key) => (await shard(manifest, key)).get(key)));
    if (records.some((r) => r === undefined)) return { hits: [], counted: null };
    const found = new Map(keys.map((key, i) => [key, records[i]]));
    const part = (p) => (typeof p === "string" ? load(p) : p);
    const lengths = terms.map((t) => Array.from(t).length);
    const positional = lengths.filter((n) => n > 1).length;
    const needsPositions = new Set();
    terms.forEach((_, t) => {
      if (lengths[t] > 2 || (lengths[t] === 2 && positional > 1)) plans[t].forEach(([key]) => needsPositions.add(key));
    });

    // At once: the rarest key's D parts, the D part of every key in one block (its docs hold the rarest
    // key's, whatever they are) and the P part of every such key that needs positions; then only the
    // other keys' blocks that hold the rarest key's docs; then their P parts, where candidates are.
    const lists = new Map();
    let counted = null; // the rarest key's df and facet counts, when it keeps them
    const sorted = [...keys].sort((a, b) => found.get(a).df - found.get(b).df || (a < b ? -1 : a > b ? 1 : 0));
    const single = (key) => found.get(key).blocks.length === 1;
    const positionParts = new Map(); // key -> Promise of [block, P part] pairs
    const fetchPositions = (key, wanted) => {
      const blocks = found.get(key).blocks;
      positionParts.set(key, Promise.all(wanted.map(async (n) => [n, await part(blocks[n].p)])));
    };
    for (const key of needsPositions) if (single(key)) fetchPositions(key, [0]);
    const read = async (key, wanted) => {
      const record = found.get(key);
      const parts = await Promise.all(wanted.map((n) => part(record.blocks[n].d)));
      if (key === sorted[0] && record.counts) counted = { df: record.df, counts: facetCounts(record.counts) };
      lists.set(key, docList(record, wanted, parts));
    };
    const [rarest, ...others] = sorted;
    await Promise.all(
      [rarest, ...others.filter(single)].map((key) => read(key, found.get(key).blocks.map((_, n) => n))),
    );
    let candidates = lists.get(rarest).docs;
    await Promise.all(others.filter((key) => !single(key)).map((key) => read(key, blocksOf(found.get(key), candidates))));
    for (const key of others) candidates = intersect(candidates, lists.get(key).docs);
    for (const key of needsPositions) if (!single(key)) fetchPositions(key, blocksOf(found.get(key), candidates));
    const readers = new Map(
      await Promise.all(
        [...needsPositions].map(async (key) => [key, positionReader(lists.get(key), await positionParts.get(key))]),
      ),
    );
    const entry = new Map(keys.map((key) => [key, entriesOf(lists.get(key), candidates)]));
    // Per term, looked up once: its first key's entries and reader, and the other keys' with their offsets;
    // every list of positions is read into a buffer of its own (a key may serve a term twice: "....").
    const reading = (key) => ({
      list: lists.get(key),
      entries: entry.get(key),
      read: readers.get(key),
      buffer: new Uint32Array(64),
    });
    const steps = plans.map(([[key], ...rest]) => ({
      ...reading(key),
      rest: rest.map(([k, offset]) => ({ ...reading(k), offset, length: 0 })),
      at: new Int32Array(rest.length),
      found: new Int32Array(2),
    }));
    const hits = [];
    for (let i = 0; i < candidates.length; i++) {
      const starts = positional > 1 ? [] : null; // hit starts per positional term, for the span
      let titleTerms = 0;
      let total = 0;
      let all = true;
      for (let t = 0; t < terms.length && all; t++) {
        const step = steps[t];
        const e = step.entries[i];
        let count = step.list.counts[e];
        let titleCount = step.list.titleCounts[e];
        const mine = starts && lengths[t] > 1 ? [] : null;
        if (lengths[t] > 2) {
          for (const other of step.rest) {
            const o = other.entries[i];
            other.buffer = other.read(o, other.buffer);
            other.length = other.list.counts[o];
          }
          step.buffer = step.read(e, step.buffer);
          chained(step.buffer, count, titleCount, step, mine);
          count = step.found[0];
          titleCount = step.found[1];
        } else if (mine) {
          step.buffer = step.read(e, step.buffer);
          mine.push(...step.buffer.subarray(0, count));
        }
        if (mine) starts.push(mine);
        all = count > 0;
        total += count;
        if (titleCount > 0) titleTerms += 1;
      }
      if (!all) continue;
      hits.push({ doc: candidates[i], titleTerms, count: total, span: starts && starts.length > 1 ? span(starts) : 0 });
    }
    return { hits, counted };
  }

  /** A record's facet counts read: [name number, docs] per facet, from v(2m) and m x v(docs) (dense) or
      v(2n + 1) and n x (v(name number - previous), v(docs)) (sparse). */
  function facetCounts(bytes) {
    const values = decode(bytes);
    const counts = [];
    let i = 0;
    for (let f = 0; f < FACETS.length; f++) {
      const n = Math.floor(values[i] / 2);
      const facet = [];
      if (values[i] % 2 === 0) {
        for (let k = 0; k < n; k++) if (values[i + 1 + k] > 0) facet.push([k, values[i + 1 + k]]);
        i += 1 + n;
      } else {
        let number = 0;
        for (let k = 0; k < n; k++) {
          number += values[i + 1 + 2 * k];
          facet.push([number, values[i + 2 + 2 * k]]);
        }
        i += 1 + 2 * n;
      }
      counts.push(facet);
    }
    return counts;
  }

  /** Per facet: the number of each doc's value set (for years, its year), and the sets; read for the docs
      (ascending) from the column files that hold them (a doc elsewhere has the empty set). */
  async function facetColumns(head, docs, count) {
    const [perFile, files] = head.columns;
    const wanted = [];
    for (const doc of docs) {
      const n = Math.floor(doc / perFile);
      if (wanted[wanted.length - 1] !== n) wanted.push(n);
    }
    const [sets, ...parts] = await Promise.all([
      wanted.length ? json(`facets-${head.sets}.json.gz`) : null,
      ...wanted.map((n) => json(`facets-${files[n]}.json.gz`)),
    ]);
    const columns = {};
    for (const [name] of FACETS) {
      const names = head.names[name];
      if (name === "year") {
        const year = new Int32Array(count).fill(-1);
        head.years.forEach(([first, end], i) => year.fill(i, first, end));
        columns[name] = { names, sets: names.map((_, i) => [i]).concat([[]]), setOf: year, none: names.length };
      } else {
        const setOf = new Int32Array(count);
        wanted.forEach((n, i) => setOf.set(parts[i][name], n * perFile));
        columns[name] = { names, sets: sets ? sets[name] : [[]], setOf, none: -1 };
      }
    }
    return columns;
  }

  /** {q, topic, region, source, year} -> {total, ranked, counts, rest}, or null with nothing to look for; ranked
      may be the first page alone, and rest() then ranks every match (its D parts fetched when it is called).
      A facet's counts cover the matches that pass the other facets' filters. */
  async function search(state) {
    // The manifest at once when the page has it, so that the first requests go out before go() makes a
    // history entry (which may take the browser a while).
    const manifest = json(manifestUrl.href).value ?? (await json(manifestUrl.href));
    if (manifest.version !== FORMAT_VERSION) throw new Error(`search index version ${manifest.version}`);
    if (!state.q.trim() && FACETS.every(([name]) => state[name] === null)) return null;
    const facetHead = json(`facets-${manifest.facets}.json.gz`); // meanwhile, the query is folded
    facetHead.catch(() => null); // a failure is reported where it is awaited
    // Meanwhile too, the shards of the query folded without the t2s table: the same, but for traditional text.
    const guessed = keysOf(state.q.normalize("NFKC").toLowerCase().split(SPACE).filter(Boolean)).map((key) =>
      shard(manifest, key).then((records) => records.has(key)),
    );
    const indexed = Promise.all(guessed).then((found) => found.every(Boolean));
    const terms = [...new Set((await fold(manifest, state.q, indexed)).split(SPACE).filter(Boolean))];
    if (terms.length === 0 && FACETS.every(([name]) => state[name] === null)) return null;
    const chosen = FACETS.some(([name]) => state[name] !== null);
    if (!chosen && terms.length === 1 && Array.from(terms[0]).length <= 2 && state.n <= PAGE_SIZE) {
      const record = (await shard(manifest, terms[0])).get(terms[0]);
      if (record && record.best.length) {
        // The first page is the key's best docs: its D parts wait until more results are asked for.
        const first = record.best.slice(0, PAGE_SIZE).map((doc) => ({ doc }));
        for (const hit of first) json(fragmentPath(manifest, hit.doc));
        const rest = async () => ranked((await match(manifest, terms)).hits);
        const counts = named(await facetHead, facetCounts(record.counts));
        return { manifest, terms, total: record.df, ranked: first, rest, counts };
      }
    }
    const [head, found] = await Promise.all([facetHead, terms.length ? match(manifest, terms) : null]);
    const hits =
      found?.hits ??
      Array.from({ length: manifest.docs }, (_, doc) => ({ doc, titleTerms: 0, count: 0, span: 0 }));
    const counted = found?.counted;
    if (!chosen && counted && hits.length === counted.df) {
      // The matches are the rarest key's docs: its facet counts are theirs.
      for (const hit of best(hits, state.n)) json(fragmentPath(manifest, hit.doc)); // fetched while the rest are sorted
      return { manifest, terms, total: hits.length, ranked: ranked(hits), counts: named(head, counted.counts) };
    }
    // Without a filter every match is listed: the fragments shown first are fetched while the columns are.
    if (!chosen) for (const hit of best(hits, state.n)) json(fragmentPath(manifest, hit.doc));
    const order = chosen ? null : ranked(hits);
    const columns = await facetColumns(head, hits.map((hit) => hit.doc).sort((a, b) => a - b), manifest.docs);
    const active = FACETS.map(([name]) => {
      const column = columns[name];
      const chosen = state[name] === null ? -1 : column.names.indexOf(state[name]);
      const passes = new Uint8Array(column.sets.length);
      column.sets.forEach((set, i) => (passes[i] = state[name] === null || set.includes(chosen) ? 1 : 0));
      return { name, column, passes, perSet: new Float64Array(column.sets.length) };
    });
    const setOf = (facet, doc) => (facet.column.setOf[doc] < 0 ? facet.column.none : facet.column.setOf[doc]);
    const passing = [];
    for (const hit of hits) {
      let failed = null;
      let failures = 0;
      for (const facet of active) {
        if (!facet.passes[setOf(facet, hit.doc)]) {
          failures += 1;
          failed = facet;
        }
      }
      if (failures === 0) {
        passing.push(hit);
        for (const facet of active) facet.perSet[setOf(facet, hit.doc)] += 1;
      } else if (failures === 1) {
        failed.perSet[setOf(failed, hit.doc)] += 1;
      }
    }
    const counts = {};
    for (const { name, column, perSet } of active) {
      counts[name] = new Map();
      perSet.forEach((n, set) => {
        if (n > 0) for (const value of column.sets[set]) counts[name].set(column.names[value], (counts[name].get(column.names[value]) || 0) + n);
      });
    }
    return { manifest, terms, total: passing.length, ranked: order ?? ranked(passing), counts };
  }

  /** A key's facet counts by name number (facetCounts()) as facet -> Map value -> docs. */
  function named(head, counts) {
    const byName = {};
    FACETS.forEach(([name], f) => (byName[name] = new Map(counts[f].map(([n, docs]) => [head.names[name][n], docs]))));
    return byName;
  }

  /** Hits best first: terms in the title, occurrences in doubling buckets, closeness, occurrences, newer. */
  function ranked(hits) {
    for (const hit of hits) hit.bucket = bitLength(hit.count);
    return hits.sort(byRank);
  }

  const byRank = (x, y) =>
    y.titleTerms - x.titleTerms || y.bucket - x.bucket || x.span - y.span || y.count - x.count || x.doc - y.doc;

  /** The first n hits of ranked(hits), found without sorting them all. */
  function best(hits, n) {
    const top = [];
    for (const hit of hits) {
      hit.bucket = bitLength(hit.count);
      if (top.length === n && byRank(hit, top[n - 1]) > 0) continue;
      let at = Math.min(top.length, n - 1);
      for (; at > 0 && byRank(hit, top[at - 1]) < 0; at--) top[at] = top[at - 1];
      top[at] = hit;
    }
    return top;
  }

  const fragmentPath = (manifest, doc) => {
    const [perFolder, folders] = manifest.fragments;
    return `frag-${folders[Math.floor(doc / perFolder)]}/${doc}.json.gz`;
  };

  const t2sMap = (pairs) => {
    const [traditional, simplified] = pairs || ["", ""];
    const to = Array.from(simplified);
    return new Map(Array.from(traditional, (ch, i) => [ch, to[i]]));
  };

  /** A result's snippet, {text, marks, elsewhere}: cut from its excerpt around the first hit there; elsewhere
      names the terms that neither the title nor the excerpt shows, since they are in the body (as query.py's
      snippet()). */
  function snippet(record, terms) {
    const t2s = t2sMap(record.t2s);
    const shownSnippet = around(record.excerpt, terms, t2s);
    const title = Array.from(record.title);
    const excerpt = Array.from(record.excerpt);
    shownSnippet.elsewhere = terms.filter(
      (term) => !marked(title, [term], t2s).length && !marked(excerpt, [term], t2s).length,
    );
    return shownSnippet;
  }

  /** SNIPPET_CHARS of text from a little before its first hit (else from its start), spaces squeezed, "…"
      where it is cut: {text, marks}. */
  function around(text, terms, t2s) {
    const chars = Array.from(text.replace(/\s+/gu, " "));
    const marks = marked(chars, terms, t2s);
    const hit = marks.length ? marks[0][0] : 0;
    const start = Math.max(0, hit - SNIPPET_BEFORE);
    const end = Math.min(chars.length, start + SNIPPET_CHARS);
    const shift = start > 0 ? 1 : 0;
    const shown = marks
      .filter(([s, e]) => e > start && s < end)
      .map(([s, e]) => [Math.max(s, start) - start + shift, Math.min(e, end) - start + shift]);
    const out = (start > 0 ? "…" : "") + chars.slice(start, end).join("") + (end < chars.length ? "…" : "");
    return { text: out, marks: shown };
  }

  /* ---------- the page ---------- */

  function stateFromUrl() {
    const params = new URLSearchParams(window.location.search);
    const state = { q: params.get("q") || "" };
    for (const [name] of FACETS) state[name] = params.get(name) || null;
    state.n = Math.max(PAGE_SIZE, Number.parseInt(params.get("n"), 10) || 0);
    return state;
  }

  function urlOf(state) {
    const params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    for (const [name] of FACETS) if (state[name] !== null) params.set(name, state[name]);
    if (state.n > PAGE_SIZE) params.set("n", String(state.n));
    const url = new URL(window.location.href);
    url.search = params.toString() ? `?${params}` : "";
    return url.href;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** "2022-08-18" -> "2022年8月18日", as the site's list pages write dates. */
  function cnDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日` : "日期不详";
  }

  const plainFolds = new Map(); // char -> its folding, for the fragments without t2s pairs (most of them)

  /** Code points of text folded one by one, with the code point each UTF-16 unit came from. */
  function foldedWithOrigin(chars, t2s) {
    const cache = t2s.size ? new Map() : plainFolds;
    const pieces = [];
    const origin = [];
    chars.forEach((ch, i) => {
      let one = cache.get(ch);
      if (one === undefined) {
        one = Array.from(ch.normalize("NFKC"), (c) => t2s.get(c) ?? c).join("").toLowerCase();
        cache.set(ch, one);
      }
      pieces.push(one);
      for (let u = 0; u < one.length; u++) origin.push(i);
    });
    return { folded: pieces.join(""), origin };
  }

  /** [start, end) code point ranges of the terms in chars, merged. */
  function marked(chars, terms, t2s) {
    const { folded, origin } = foldedWithOrigin(chars, t2s);
    const found = [];
    for (const term of terms) {
      for (let at = folded.indexOf(term); at >= 0; at = folded.indexOf(term, at + 1)) {
        found.push([origin[at], origin[at + term.length - 1] + 1]);
      }
    }
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const merged = [];
    for (const [s, e] of found) {
      const last = merged[merged.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else merged.push([s, e]);
    }
    return merged;
  }

  /** Append chars[from, to) to node, with <mark> around the parts in marks. */
  function appendMarked(node, chars, marks, from, to) {
    let at = from;
    for (const [s, e] of marks) {
      if (e <= at || s >= to) continue;
      if (s > at) node.append(chars.slice(at, s).join(""));
      node.append(element("mark", "", chars.slice(Math.max(s, at), Math.min(e, to)).join("")));
      at = Math.min(e, to);
    }
    if (at < to) node.append(chars.slice(at, to).join(""));
  }

  /** One result in the markup of the list pages' story items; text only, never HTML. */
  function resultItem(record, shownSnippet, terms) {
    const t2s = t2sMap(record.t2s);
    const item = element("li", "story");
    const heading = element("h2", "story-title");
    const link = element("a");
    link.href = base + record.url;
    const title = Array.from(record.title);
    appendMarked(link, title, marked(title, terms, t2s), 0, title.length);
    heading.append(link);
    const meta = element("p", "story-meta");
    const date = cnDate(record.date);
    const time = element(date === "日期不详" ? "span" : "time", "date", date);
    if (date !== "日期不详") time.dateTime = record.date.slice(0, 10);
    meta.append(time);
    if (record.source) meta.append(` · ${record.source}`);
    const text = element("p", "story-snippet");
    const chars = Array.from(shownSnippet.text);
    appendMarked(text, chars, shownSnippet.marks, 0, chars.length);
    item.append(heading, meta);
    const where = { region: record.regions || [], topic: record.categories || [] };
    if (where.region.length || where.topic.length) item.append(storyTerms(where));
    item.append(text);
    if (shownSnippet.elsewhere.length) {
      item.append(element("p", "story-found", `正文含${shownSnippet.elsewhere.map((term) => `“${term}”`).join("")}`));
    }
    return item;
  }

  /** A result's regions and topics, in the markup of the list pages' story items (_macros.html). */
  function storyTerms(where) {
    const terms = element("p", "story-terms");
    const labelled = (className, label, text) => {
      const span = element("span", className);
      span.append(element("span", "visually-hidden", label), text);
      return span;
    };
    if (where.region.length) terms.append(labelled("story-region", "地区：", where.region.join(" ")));
    for (const topic of where.topic) terms.append(" ", labelled("story-topic", "专题：", topic));
    return terms;
  }

  /** The facet lists: a button per value with its count; pressed when chosen. */
  function renderFacets(state, counts) {
    const sections = FACETS.map(([name, label]) => {
      const values = [...counts[name]].filter(([, n]) => n > 0);
      if (state[name] !== null && !counts[name].has(state[name])) values.push([state[name], 0]);
      values.sort(
        name === "year"
          ? (a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0)
          : (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
      );
      if (values.length === 0) return null;
      const section = element("section", "facet");
      const heading = element("h2", "facet-title", label);
      heading.id = `facet-${name}`;
      const ul = element("ul", "facet-values");
      ul.setAttribute("aria-labelledby", heading.id);
      const listed = expanded.has(name) ? values : values.slice(0, FACET_SHOWN);
      if (state[name] !== null && !listed.some(([v]) => v === state[name])) listed.push(values.find(([v]) => v === state[name]));
      for (const [value, n] of listed) {
        const button = element("button", "facet-value");
        button.type = "button";
        button.dataset.facet = name;
        button.dataset.value = value;
        button.setAttribute("aria-pressed", String(state[name] === value));
        button.append(value, " ", element("span", "count", `(${n})`));
        const li = element("li");
        li.append(button);
        ul.append(li);
      }
      section.append(heading, ul);
      if (values.length > FACET_SHOWN) {
        const toggle = element("button", "facet-more", expanded.has(name) ? "收起" : `全部 ${values.length} 项`);
        toggle.type = "button";
        toggle.dataset.more = name;
        toggle.setAttribute("aria-expanded", String(expanded.has(name)));
        section.append(toggle);
      }
      return section;
    });
    facetBox.replaceChildren(...sections.filter(Boolean));
  }

  let shown = null; // {result, state, count}: what the list shows, for "more" and facet toggles

  /** The next size results' items (the caller puts them in the list), or none when a newer search began. */
  async function showPage(ticket, size = PAGE_SIZE, view = shown) {
    const { result } = view;
    if (result.rest && view.count + size > result.ranked.length) {
      result.ranked = await result.rest();
      result.rest = null;
      if (ticket !== latest) return [];
    }
    const hits = result.ranked.slice(view.count, view.count + size);
    const shownNow = await Promise.all(
      hits.map(async (hit) => {
        const record = await json(fragmentPath(result.manifest, hit.doc));
        return [record, snippet(record, result.terms)];
      }),
    );
    if (ticket !== latest) return [];
    const items = shownNow.map(([record, text]) => resultItem(record, text, result.terms));
    view.count += hits.length;
    more.hidden = view.count >= result.total;
    return items;
  }

  function describe(state, total) {
    const what = state.q.trim() ? `包含“${state.q.trim()}”的报道` : "报道";
    if (total === 0) return `没有找到${what}。`;
    return `找到 ${total} 篇${state.q.trim() ? "" : "报道"}。`;
  }

  /** The chosen facets as buttons that remove them. */
  function renderChips(state) {
    if (!chips) return;
    const chosen = FACETS.filter(([name]) => state[name] !== null);
    chips.replaceChildren(
      ...chosen.map(([name, label]) => {
        const chip = element("button", "chip", `${label}：${state[name]} ×`);
        chip.type = "button";
        chip.dataset.remove = name;
        chip.setAttribute("aria-label", `取消筛选：${label} ${state[name]}`);
        return chip;
      }),
    );
  }

  const scrollKey = () => `search-scroll:${window.location.href}`;

  function saveScroll() {
    try {
      sessionStorage.setItem(scrollKey(), String(Math.round(window.scrollY)));
    } catch {
      // storage refused (private mode, quota): Back then starts at the top
    }
  }

  function savedScroll() {
    try {
      return Number(sessionStorage.getItem(scrollKey())) || 0;
    } catch {
      return 0;
    }
  }

  /** Search for state and show its first state.n results; restore: scroll to where the reader left this URL. */
  async function run(state, restore = false) {
    const ticket = ++latest;
    window.clearTimeout(typing);
    input.value = state.q;
    typed = state.q;
    renderChips(state);
    if (!state.q.trim() && FACETS.every(([name]) => state[name] === null)) {
      status.textContent = "";
      list.replaceChildren();
      facetBox.replaceChildren();
      more.hidden = true;
      shown = null;
      return;
    }
    const searching = search(state); // its first requests go out before the page changes
    status.textContent = "正在搜索…";
    try {
      const result = await searching;
      if (ticket !== latest) return;
      if (!result) {
        list.replaceChildren();
        more.hidden = true;
        status.textContent = "请输入要查找的字词。";
        facetBox.replaceChildren();
        return;
      }
      const view = { result, state, count: 0 };
      const items = await showPage(ticket, state.n, view);
      if (ticket !== latest) return;
      shown = view;
      list.replaceChildren(...items);
      renderFacets(state, result.counts);
      status.textContent = describe(state, result.total);
      if (restore) window.scrollTo(0, savedScroll());
    } catch (err) {
      if (ticket === latest) {
        list.replaceChildren();
        facetBox.replaceChildren();
        more.hidden = true;
        status.textContent = "搜索暂时不可用：索引文件加载失败，请稍后再试。";
      }
    }
  }

  /** Make state the page's and search: a new history entry when it changed, made once the search's first
      requests are out (making one may take the browser a while). */
  function go(state) {
    const url = urlOf(state);
    if (url === window.location.href) return run(state);
    saveScroll();
    const done = run(state);
    window.history.pushState(null, "", url);
    return done;
  }

  /** The page's state with the query as typed, from the first result on. */
  const typedState = () => ({ ...stateFromUrl(), q: input.value, n: PAGE_SIZE });

  let typing = 0; // the timer of the search for what is being typed
  let typed = ""; // the query last searched

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go(typedState());
  });

  // Results as one types: after a pause, only when the query changed; the URL follows without a history entry.
  input.addEventListener("input", () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => {
      if (input.value.trim() === typed.trim()) return;
      const state = typedState();
      window.history.replaceState(null, "", urlOf(state));
      run(state);
    }, TYPING_PAUSE);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || input.value === "") return;
    event.preventDefault();
    input.value = "";
    const state = typedState();
    window.history.replaceState(null, "", urlOf(state));
    run(state);
  });

  facetBox.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button || !shown) return;
    if (button.dataset.more) {
      const name = button.dataset.more;
      if (expanded.has(name)) expanded.delete(name);
      else expanded.add(name);
      renderFacets(shown.state, shown.result.counts);
      facetBox.querySelector(`[data-more="${name}"]`)?.focus();
      return;
    }
    const { facet, value } = button.dataset;
    const state = typedState();
    state[facet] = state[facet] === value ? null : value;
    await go(state);
    // Keep keyboard users where they were: the same value's button, re-rendered.
    const again = [...facetBox.querySelectorAll("button.facet-value")].find(
      (b) => b.dataset.facet === facet && b.dataset.value === value,
    );
    if (again) again.focus();
  });

  chips?.addEventListener("click", async (event) => {
    const chip = event.target.closest("button[data-remove]");
    if (!chip) return;
    const state = typedState();
    state[chip.dataset.remove] = null;
    await go(state);
    (chips.querySelector("button") || input).focus();
  });

  more.addEventListener("click", async () => {
    if (!shown) return;
    const items = await showPage(latest);
    list.append(...items);
    window.history.replaceState(null, "", urlOf({ ...shown.state, n: shown.count }));
    const link = items[0] && items[0].querySelector("a");
    if (link) link.focus();
  });

  if (filter) {
    const wide = window.matchMedia(WIDE);
    filter.open = wide.matches;
    wide.addEventListener("change", () => (filter.open = wide.matches));
  }

  // The place the reader left is restored by run(), once the results it was in are shown again.
  window.history.scrollRestoration = "manual";
  window.addEventListener("pagehide", saveScroll);
  window.addEventListener("popstate", () => run(stateFromUrl(), true));

  // Every query reads the manifest and the facets' head: they are fetched as the page opens.
  json(manifestUrl.href)
    .then((manifest) => json(`facets-${manifest.facets}.json.gz`))
    .catch(() => null); // a failure is reported by the search that needs them
  run(stateFromUrl(), true);
})();
