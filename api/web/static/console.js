// The console works without script; this only stops a form from being sent twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.method.toLowerCase() !== "post") return;
  setTimeout(function () {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  }, 0);
});
