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
// Keep the current tab in view when the tab strip scrolls sideways (phones),
// without scrolling the page: the list must not move under the reader.
function showActiveTab() {
  var tab = document.querySelector("#order-panel .nav-tabs .active");
  if (!tab) return;
  var strip = tab.closest(".nav-tabs");
  strip.scrollLeft = tab.offsetLeft - (strip.clientWidth - tab.offsetWidth) / 2;
}
document.addEventListener("DOMContentLoaded", showActiveTab);
document.addEventListener("htmx:afterSwap", showActiveTab);
