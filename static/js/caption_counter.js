// Caption counters: a live, per-network length count while a manager writes a suggested
// caption or an employee rewrites one. Loaded with `defer`; no inline scripts or styles (CSP).
//
// Markup contract (templates/content/_caption_counter.html renders the counter):
//
//   <textarea id="id_text" data-caption-network="x" data-caption-limit="280"></textarea>
//   <div id="id_text_counter" class="form-text" data-caption-counter-for="id_text"
//        data-caption-network="x" data-caption-limit="280">
//     <span data-caption-status aria-live="polite"></span>
//     <span data-caption-count>0 / 280</span>
//   </div>
//
// - The textarea's data-caption-network / data-caption-limit win; the counter repeats them,
//   so a field whose widget lacks them is still counted.
// - [data-caption-count] shows "123 / 280". Over the limit the counter gets Bootstrap's
//   `text-danger` and [data-caption-status] (a polite live region) says "12 over the limit",
//   so the change is not told by colour alone and a screen reader hears it once, not on
//   every keystroke. The counter's id is added to the textarea's aria-describedby.
// - Counters update on every `input` event, on DOMContentLoaded and after htmx swaps. A
//   script that sets a textarea's value should dispatch an `input` event, or call
//   window.ChorusCaptions.refresh().
//
// The counting mirrors content/lib/networks.py (read its docstring for each network's rule
// and the approximations); tests/e2e/test_caption_counter.py checks that the browser and
// Python give the same length for every case in tests/content/test_networks.py.
(function () {
  "use strict";
  if (window.ChorusCaptions) return;

  // unit: "characters" (UTF-16 code units), "weighted characters" (twitter-text v3) or "graphemes".
  var RULES = {
    linkedin: { maxLength: 3000, unit: "characters", linkLength: null, bareDomainLinks: false, localMentions: false, maxBytes: null },
    x: { maxLength: 280, unit: "weighted characters", linkLength: 23, bareDomainLinks: true, localMentions: false, maxBytes: null },
    mastodon: { maxLength: 500, unit: "graphemes", linkLength: 23, bareDomainLinks: false, localMentions: true, maxBytes: null },
    bluesky: { maxLength: 300, unit: "graphemes", linkLength: null, bareDomainLinks: false, localMentions: false, maxBytes: 3000 },
    facebook: { maxLength: 63206, unit: "characters", linkLength: null, bareDomainLinks: false, localMentions: false, maxBytes: null },
    sandbox: { maxLength: 500, unit: "graphemes", linkLength: 23, bareDomainLinks: false, localMentions: true, maxBytes: null }
  };

  var BARE_DOMAIN_TLDS = (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo bq br bs bt bv " +
    "bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es " +
    "et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id " +
    "ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv " +
    "ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu " +
    "nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm " +
    "sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc " +
    "ve vg vi vn vu wf ws ye yt za zm zw " +
    "academy aero agency app art asia bank biz blog business capital careers cat center city click cloud " +
    "club com community company consulting coop design dev digital edu education email energy engineering " +
    "events expert finance fund games global gov group guide health help host info institute int " +
    "international jobs legal life link live marketing media mil mobi money museum name net network news " +
    "online org page partners photo photography plus post press pro report school science security services " +
    "shop show site social software solutions space store studio support systems team tech tel today top " +
    "training travel university ventures video website wiki work works world xxx xyz zone"
  ).split(" ");
  var TLDS = {};
  BARE_DOMAIN_TLDS.forEach(function (tld) { TLDS[tld] = true; });

  var PATH_LETTERS = "\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u024f\\u0300-\\u036f\\u0400-\\u04ff\\u1e00-\\u1eff";
  var LINK_SOURCE =
    "(?<![\\p{L}\\p{N}_@$#＠＃])" +
    "([Hh][Tt][Tt][Pp][Ss]?:\\/\\/)?" +
    "((?:[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,63})(?![A-Za-z0-9@+-])" +
    "(:[0-9]{1,5})?" +
    "([/?][A-Za-z0-9!*';:=+,.$/%#\\[\\]_~&|@()?" + PATH_LETTERS + "-]*)?";
  var LINK_END = new RegExp("[A-Za-z0-9=_#/+&" + PATH_LETTERS + "-]", "u");
  var MENTION_SOURCE = "(?<![=\\/\\p{L}\\p{N}_])@([A-Za-z0-9_]+(?:[.\\-]+[A-Za-z0-9_]+)*)(?:@[\\p{L}\\p{N}_.\\-]+[\\p{L}\\p{N}_]+)?";
  var NOT_A_MENTION_AFTER = /^(?:[@＠\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f]|:\/\/)/;
  var PICTOGRAPHIC = /^\p{Extended_Pictographic}/u;
  var WEIGHT_ONE_RANGES = [[0x0000, 0x10ff], [0x2000, 0x200d], [0x2010, 0x201f], [0x2032, 0x2037]];
  var segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

  function oneNewline(text) {
    return text.replace(/\r\n?/g, "\n");
  }

  function graphemes(text) {
    if (!segmenter) return Array.from(text); // very old browsers: code points, close enough for a hint
    var clusters = [];
    for (var part of segmenter.segment(text)) clusters.push(part.segment);
    return clusters;
  }

  function trimmedRest(rest) {
    while (rest) {
      var last = rest.charAt(rest.length - 1);
      if (last === ")") {
        if (rest.split("(").length >= rest.split(")").length) break;
      } else if (LINK_END.test(last)) {
        break;
      }
      rest = rest.slice(0, -1);
    }
    return rest;
  }

  // [start, end] of every link (UTF-16 indices); bare domains too when asked.
  function findLinks(text, bareDomains) {
    var links = [];
    var pattern = new RegExp(LINK_SOURCE, "gu");
    var match;
    while ((match = pattern.exec(text)) !== null) {
      var start = match.index;
      var end = start + match[0].length;
      var host = match[2];
      var rest = match[4];
      var restStart = end - (rest ? rest.length : 0);
      if (match[1]) {
        links.push([start, rest ? restStart + trimmedRest(rest).length : end]);
        continue;
      }
      if (!bareDomains || (start && "-_./".indexOf(text.charAt(start - 1)) !== -1)) continue;
      var labels = host.split(".");
      var whole = true;
      while (labels.length > 1 && !TLDS[labels[labels.length - 1].toLowerCase()]) {
        labels.pop();
        whole = false;
      }
      if (labels.length < 2) continue;
      if (!whole) links.push([start, start + labels.join(".").length]);
      else links.push([start, rest ? restStart + trimmedRest(rest).length : end]);
    }
    return links;
  }

  function countableText(rules, text) {
    var entities = [];
    if (rules.linkLength !== null) {
      var placeholder = new Array(rules.linkLength + 1).join("x");
      findLinks(text, rules.bareDomainLinks).forEach(function (link) { entities.push([link[0], link[1], placeholder]); });
    }
    if (rules.localMentions) {
      var pattern = new RegExp(MENTION_SOURCE, "gu");
      var match;
      while ((match = pattern.exec(text)) !== null) {
        var end = match.index + match[0].length;
        if (!NOT_A_MENTION_AFTER.test(text.slice(end))) entities.push([match.index, end, "@" + match[1]]);
      }
    }
    entities.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var pieces = [];
    var position = 0;
    entities.forEach(function (entity) {
      if (entity[0] < position) return; // overlaps an earlier entity, which wins
      pieces.push(text.slice(position, entity[0]), entity[2]);
      position = entity[1];
    });
    pieces.push(text.slice(position));
    return pieces.join("");
  }

  function isEmoji(cluster) {
    var first = cluster.codePointAt(0);
    if (cluster.indexOf("\ufe0e") !== -1) return false;
    if (first >= 0x1f1e6 && first <= 0x1f1ff) return true;
    if (cluster.indexOf("\u20e3") !== -1) return "#*0123456789".indexOf(cluster.charAt(0)) !== -1;
    return PICTOGRAPHIC.test(cluster) && (first >= 0x2038 || cluster.indexOf("\ufe0f") !== -1);
  }

  function clusterWeight(cluster) {
    if (isEmoji(cluster)) return 2;
    var weight = 0;
    for (var char of cluster) {
      var codePoint = char.codePointAt(0);
      weight += WEIGHT_ONE_RANGES.some(function (range) { return codePoint >= range[0] && codePoint <= range[1]; }) ? 1 : 2;
    }
    return weight;
  }

  function weightedLength(rules, text) {
    text = text.normalize("NFC");
    var weight = 0;
    var position = 0;
    findLinks(text, rules.bareDomainLinks).concat([[text.length, text.length]]).forEach(function (link) {
      graphemes(text.slice(position, link[0])).forEach(function (cluster) { weight += clusterWeight(cluster); });
      if (link[1] > link[0]) weight += rules.linkLength || link[1] - link[0];
      position = link[1];
    });
    return weight;
  }

  function captionLength(network, text) {
    var rules = RULES[network];
    if (!rules) throw new Error("Unknown network: " + network);
    text = oneNewline(text);
    if (rules.unit === "weighted characters") return weightedLength(rules, text);
    var countable = countableText(rules, text);
    return rules.unit === "graphemes" ? graphemes(countable).length : countable.length;
  }

  function captionCheck(network, text, limit) {
    var rules = RULES[network];
    var length = captionLength(network, text);
    limit = limit || rules.maxLength;
    var bytes = new TextEncoder().encode(oneNewline(text)).length;
    var overBy = Math.max(0, length - limit);
    var tooManyBytes = rules.maxBytes !== null && bytes > rules.maxBytes;
    return { length: length, limit: limit, overBy: overBy, bytes: bytes, tooManyBytes: tooManyBytes, ok: !overBy && !tooManyBytes };
  }

  function number(value) {
    return value.toLocaleString("en-US");
  }

  function refreshCounter(counter) {
    var field = document.getElementById(counter.dataset.captionCounterFor);
    if (!field) return;
    var network = field.dataset.captionNetwork || counter.dataset.captionNetwork;
    if (!RULES[network]) return;
    var limit = parseInt(field.dataset.captionLimit || counter.dataset.captionLimit, 10) || RULES[network].maxLength;
    var result = captionCheck(network, field.value, limit);
    var count = counter.querySelector("[data-caption-count]") || counter;
    var status = counter.querySelector("[data-caption-status]");
    count.textContent = number(result.length) + " / " + number(limit);
    counter.classList.toggle("text-danger", !result.ok);
    if (status) {
      var message = "";
      if (result.overBy) message = number(result.overBy) + " over the limit";
      else if (result.tooManyBytes) message = "Too long: " + number(result.bytes) + " of " + number(RULES[network].maxBytes) + " bytes";
      if (status.textContent !== message) status.textContent = message;
    }
    if (counter.id) {
      var describedBy = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (describedBy.indexOf(counter.id) === -1) {
        describedBy.push(counter.id);
        field.setAttribute("aria-describedby", describedBy.join(" "));
      }
    }
  }

  function refresh() {
    document.querySelectorAll("[data-caption-counter-for]").forEach(refreshCounter);
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.id) return;
    document.querySelectorAll('[data-caption-counter-for="' + CSS.escape(field.id) + '"]').forEach(refreshCounter);
  });
  document.addEventListener("htmx:afterSwap", refresh);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
  else refresh();

  window.ChorusCaptions = {
    rules: RULES,
    bareDomainTlds: BARE_DOMAIN_TLDS,
    graphemes: graphemes,
    findLinks: findLinks,
    length: captionLength,
    check: captionCheck,
    refresh: refresh
  };
})();
