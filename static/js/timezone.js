// Sign-up: preselect the browser's time zone when the list has it. Without
// JavaScript the select keeps UTC and the person picks their zone.
(function () {
  var select = document.querySelector("select[data-browser-timezone]");
  if (!select) return;
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  var known = Array.prototype.some.call(select.options, function (option) {
    return option.value === zone;
  });
  if (zone && known) select.value = zone;
})();
