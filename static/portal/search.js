// Controls that submit their form when changed (presets); bound here, not inline, because
// the Content-Security-Policy allows no inline handlers.
document.querySelectorAll("[data-autosubmit]").forEach((control) =>
  control.addEventListener("change", () => control.form.submit())
);

// Search by image: choose, drop or paste an image; preview it and submit the image form.
(function () {
  const form = document.getElementById("image-form");
  if (!form) return;
  const input = document.getElementById("id_image");
  const preview = document.getElementById("query-preview");

  function submitFile(file) {
    if (!file || !file.type.startsWith("image/")) return;
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
    preview.src = URL.createObjectURL(file);
    preview.alt = "Your query image (uploading)";
    preview.hidden = false;
    form.classList.add("dropzone--busy");
    form.submit();
  }

  input.addEventListener("change", () => submitFile(input.files[0]));
  ["dragenter", "dragover"].forEach((name) =>
    form.addEventListener(name, (event) => {
      event.preventDefault();
      form.classList.add("dropzone--over");
    })
  );
  ["dragleave", "drop"].forEach((name) =>
    form.addEventListener(name, () => form.classList.remove("dropzone--over"))
  );
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    submitFile(event.dataTransfer.files[0]);
  });
  document.addEventListener("paste", (event) => {
    const file = Array.from(event.clipboardData.files || [])[0];
    if (file) submitFile(file);
  });
})();
