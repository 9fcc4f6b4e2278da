/* The SPARQL query page: YASGUI on this endpoint, offline, with the canned queries as examples.
   Settings come from the JSON block #policykg-sparql-config (no inline script: the page's
   Content-Security-Policy forbids it). Nothing here talks to another host. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("policykg-sparql-config").textContent);
  var root = document.getElementById("yasgui");

  function fail(message) {
    root.setAttribute("data-state", "error");
    var p = document.createElement("p");
    p.className = "sparql-error";
    p.textContent = message;
    root.appendChild(p);
  }

  if (typeof window.Yasgui === "undefined") {
    fail(config.messages.missing);
    return;
  }
  var Yasgui = window.Yasgui;
  var Yasqe = Yasgui.Yasqe;

  // Autocompletion that works offline: variables, and this endpoint's prefixes (YASGUI's
  // class and property completers ask a web service, so they are left out).
  var prefixLines = Object.keys(config.prefixes).sort().map(function (p) {
    return p + ": <" + config.prefixes[p] + ">";
  });
  Yasqe.forkAutocompleter("prefixes", { name: "policykg-prefixes", get: prefixLines }, false);
  Yasqe.defaults.autocompleters = ["variables", "policykg-prefixes"];

  var yasgui;
  try {
    yasgui = new Yasgui(root, {
      requestConfig: { endpoint: config.endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: config.endpoint }]; },
        keys: []
      },
      // A shared link (?query=…) opens in a tab, always against this endpoint.
      populateFromUrl: function (tab) {
        tab.requestConfig.endpoint = config.endpoint;
        return tab;
      },
      persistenceId: "policykg-" + window.location.host,
      yasqe: { value: config.defaultQuery, collapsePrefixesOnLoad: true },
      yasr: { prefixes: config.prefixes }
    });
  } catch (err) {
    fail(config.messages.failed + " " + err);
    return;
  }

  Array.prototype.forEach.call(document.querySelectorAll(".sparql-example"), function (button) {
    button.addEventListener("click", function () {
      var example = config.examples[Number(button.getAttribute("data-index"))];
      yasgui.addTab(true, {
        name: example.title,
        yasqe: { value: example.sparql },
        requestConfig: { endpoint: config.endpoint }
      });
    });
  });

  window.policykgYasgui = yasgui;
  root.setAttribute("data-state", "ready");
})();
