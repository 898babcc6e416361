// Client-side search over the catalogue: names, titles, descriptions, owners and tags.
// The index is a script (search-index.js), so it works from the file system with no server.
(function () {
  "use strict";
  var input = document.getElementById("search");
  var list = document.getElementById("results");
  var entries = window.METRICC_INDEX || [];
  var root = document.querySelector('link[rel="stylesheet"]').getAttribute("href")
    .replace("assets/style.css", "");

  function score(entry, terms) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      if (entry.name === t) { total += 100; continue; }
      if (entry.name.indexOf(t) >= 0) { total += 20; continue; }
      if (entry.title.toLowerCase().indexOf(t) >= 0) { total += 10; continue; }
      if (entry.text.indexOf(t) >= 0) { total += 1; continue; }
      return 0;
    }
    return total;
  }

  function render(query) {
    list.textContent = "";
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) { list.hidden = true; return; }
    var found = entries
      .map(function (e) { return { e: e, s: score(e, terms) }; })
      .filter(function (r) { return r.s > 0; })
      .sort(function (a, b) { return b.s - a.s || a.e.name.localeCompare(b.e.name); })
      .slice(0, 12);
    if (!found.length) {
      var none = document.createElement("li");
      none.textContent = "No match";
      list.appendChild(none);
    }
    found.forEach(function (r) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = root + r.e.url;
      link.textContent = r.e.title + " ";
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = r.e.kind + " · " + r.e.name;
      link.appendChild(kind);
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = false;
  }

  input.addEventListener("input", function () { render(input.value); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var first = list.querySelector("a");
      if (first) { window.location.href = first.href; }
    }
    if (event.key === "Escape") { input.value = ""; render(""); }
  });
})();
