// Clicking anywhere on an order row opens the order (the number is the real link).
document.addEventListener("click", function (event) {
  if (event.target.closest("a, button, input, select")) return;
  var row = event.target.closest("tr.order-row");
  if (!row) return;
  var link = row.querySelector("a[href]");
  if (link) window.location.href = link.href;
});
// Changing the sort submits the search form.
document.addEventListener("change", function (event) {
  if (event.target.id === "order-sort" && event.target.form) event.target.form.requestSubmit();
});
// Keep the current tab in view when the tab strip scrolls (phones).
function showActiveTab() {
  var tab = document.querySelector("#order-panel .nav-tabs .active");
  if (tab) tab.scrollIntoView({ block: "nearest", inline: "center" });
}
document.addEventListener("DOMContentLoaded", showActiveTab);
document.addEventListener("htmx:afterSwap", showActiveTab);
// A part of the page that fails to load (a server error, the network gone)
// says so and offers its link, instead of a spinner that never stops.
function showLoadFailed(event) {
  var box = event.detail.elt.closest("[data-load-fallback]");
  if (!box) return;
  box.querySelectorAll("[data-loading]").forEach(function (el) { el.hidden = true; });
  box.querySelectorAll("[data-load-failed]").forEach(function (el) { el.hidden = false; });
}
document.addEventListener("htmx:responseError", showLoadFailed);
document.addEventListener("htmx:sendError", showLoadFailed);
