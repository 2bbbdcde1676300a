// mbt-advisor web: the pages work without this file. It only updates the questionnaire's "assessment so far"
// as soon as a choice is picked, by asking the same server's /api/v1/assess (nothing from the internet).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.question[data-field]");
  var preview = document.getElementById("preview");
  var stored = document.getElementById("answers");
  if (!form || !preview || !stored) return;
  var field = form.dataset.field, kind = form.dataset.kind;
  if (["choice", "boolean", "rating"].indexOf(kind) < 0 || field.indexOf("wizard.") === 0) return;
  var answers = JSON.parse(stored.textContent);

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name !== "value") return;
    var value = kind === "boolean" ? input.value === "yes" : kind === "rating" ? Number(input.value) : JSON.parse(input.dataset.json);
    var merged = Object.assign({}, answers);
    merged[field] = value;
    var profile = { profile_version: 1 };
    Object.keys(merged).forEach(function (name) {
      var parts = name.split(".");
      if (["organization", "ratings", "facts"].indexOf(parts[0]) < 0) return;
      profile[parts[0]] = profile[parts[0]] || {};
      profile[parts[0]][parts[1]] = merged[name];
    });
    if (!profile.organization || !profile.organization.name) return;
    fetch("/api/v1/assess", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(profile) })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (a) {
        if (!a) return;
        var show = function (scope, word) {
          var slot = preview.querySelector('[data-risk="' + scope + '"] .risk');
          if (slot) { slot.textContent = word; slot.className = "risk risk-" + word; }
        };
        show("overall", a.risk.overall);
        Object.keys(a.risk.levels).forEach(function (level) { show(level, a.risk.levels[level]); });
        var count = preview.querySelector('[data-count="recommendations"]');
        if (count) count.textContent = String(a.recommendations.length);
        var note = preview.querySelector(".preview-note");
        if (note) note.textContent = "If you answer this way (not saved until you press Next):";
      });
  });
});
