// Upload progress for forms marked data-upload-progress: when files are
// attached, send the form with XMLHttpRequest to show how much has gone up.
// Without JavaScript the form posts as usual.
(function () {
  function hasFiles(form) {
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-upload-progress]") || !hasFiles(form)) return;
    event.preventDefault();
    var bar = form.querySelector("progress.upload-progress");
    var status = form.querySelector(".upload-status");
    var button = form.querySelector("[type=submit]");
    bar.hidden = false;
    bar.value = 0;
    if (button) button.disabled = true;

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Upload-Progress", "1");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((100 * e.loaded) / e.total);
      bar.value = percent;
      status.textContent = "Uploading… " + percent + "%";
    });
    xhr.addEventListener("load", function () {
      var location = xhr.getResponseHeader("X-Location");
      if (xhr.status === 204 && location) {
        var target = new URL(location, window.location.href);
        var here = new URL(window.location.href);
        target.hash = here.hash = "";
        // Same page (only the #fragment differs): assign() would just scroll.
        if (target.href === here.href) window.location.reload();
        else window.location.assign(location);
        return;
      }
      // A refusal or form errors: show the page the server answered with.
      document.open();
      document.write(xhr.responseText);
      document.close();
      if (xhr.responseURL) history.replaceState(null, "", xhr.responseURL);
    });
    xhr.addEventListener("error", function () {
      status.textContent = "The upload failed. Check your connection and try again.";
      if (button) button.disabled = false;
      bar.hidden = true;
    });
    status.textContent = "Uploading…";
    xhr.send(new FormData(form));
  });
})();
