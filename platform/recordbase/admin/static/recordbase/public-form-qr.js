/* The QR code of a public form's link on the admin's form page (vendored qrcode-generator).
   Fills every <div class="rb-qr" data-url="..."> with an <img> of the code; a "Download" link
   beside it saves the image. */
(function () {
  'use strict';
  function render(box) {
    var url = box.getAttribute('data-url');
    if (!url || typeof qrcode !== 'function') { return; }
    var qr = qrcode(0, 'M');
    qr.addData(url, 'Byte');
    qr.make();
    var src = qr.createDataURL(6, 4);
    var img = document.createElement('img');
    img.src = src;
    img.alt = box.getAttribute('data-alt') || url;
    img.className = 'rb-qr-image';
    box.appendChild(img);
    var link = box.parentNode.querySelector('a.rb-qr-download');
    if (link) { link.href = src; link.classList.remove('d-none'); }
  }
  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('.rb-qr[data-url]'), render);
  });
}());
