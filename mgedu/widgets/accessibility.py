"""Accessible names and announcements for the standard widgets an explorer is built from.

ipywidgets' sliders are drawn with noUiSlider, whose handle (``role="slider"``, the element a keyboard
user focuses) has no accessible name: a screen reader says "slider, 70" without saying what is being
set. And a changing readout is not announced unless it sits in a live region. Neither can be set from
Python through the standard widgets, so :class:`ExplorerAccessibility`, an invisible `anywidget
<https://anywidget.dev>`_ placed in each explorer, does it in the page: it ties every slider handle
to its visible label (``aria-labelledby``), names each group of toggle buttons after its label, and
makes the readout a polite, atomic live region (``role="status"``). It watches the explorer, so
controls drawn again later are labelled too. Where the helper cannot render, the explorer works as
before (the readout stays plain text). When it renders it tells the kernel that a page shows the
explorer, which then prepares the states one click away (:func:`mgedu.widgets.one_click_away`).
"""

from __future__ import annotations

from collections.abc import Callable

import anywidget

_ESM = r"""
function label(root) {
  let counter = 0;
  const idFor = el => el.id || (el.id = `mgedu-label-${Math.random().toString(36).slice(2)}-${counter++}`);
  root.querySelectorAll('.widget-slider, .widget-hslider, .widget-vslider').forEach(row => {
    const text = row.querySelector(':scope > .widget-label');
    if (!text || !text.textContent.trim()) return;
    row.querySelectorAll('.noUi-handle').forEach(handle => {
      if (handle.getAttribute('aria-labelledby') !== idFor(text)) handle.setAttribute('aria-labelledby', idFor(text));
    });
  });
  root.querySelectorAll('.widget-toggle-buttons').forEach(row => {
    const text = row.querySelector(':scope > .widget-label');
    if (!text || !text.textContent.trim()) return;
    const buttons = row.querySelector('.widget-toggle-button')?.parentElement;
    if (buttons && buttons.getAttribute('aria-labelledby') !== idFor(text)) {
      buttons.setAttribute('role', 'group');
      buttons.setAttribute('aria-labelledby', idFor(text));
    }
    row.querySelectorAll('.widget-toggle-button').forEach(button => {
      const pressed = button.classList.contains('mod-active') ? 'true' : 'false';
      if (button.getAttribute('aria-pressed') !== pressed) button.setAttribute('aria-pressed', pressed);
    });
  });
  root.querySelectorAll('.mgedu-readout').forEach(readout => {
    if (readout.getAttribute('role') !== 'status') {
      readout.setAttribute('role', 'status');
      readout.setAttribute('aria-live', 'polite');
      readout.setAttribute('aria-atomic', 'true');
    }
  });
}

function render({ model, el }) {
  el.style.display = 'none';
  let observer = null;
  let tries = 0;
  const attach = () => {
    const root = el.closest('.mgedu-explorer');
    if (!root) {
      if (tries++ < 200) requestAnimationFrame(attach);
      return;
    }
    label(root);
    observer = new MutationObserver(() => label(root));
    observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['class'] });
    model.send({ event: 'shown' });  // a page shows the explorer: the kernel may prepare ahead for it
  };
  requestAnimationFrame(attach);
  return () => { if (observer) observer.disconnect(); };
}

export default { render };
"""


class ExplorerAccessibility(anywidget.AnyWidget):
    """Invisible helper: names slider handles and toggle groups, makes the readout a live region.

    It also tells the kernel when a page shows the explorer: ``on_shown`` callbacks run the first time.
    Nothing else (a notebook run without a page, a test) ever shows it.
    """

    _esm = _ESM

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.shown = False
        self._on_shown: list[Callable[[], None]] = []
        self.on_msg(self._message)

    def on_shown(self, callback: Callable[[], None]) -> None:
        """Run ``callback()`` the first time a page shows the explorer."""
        self._on_shown.append(callback)

    def _message(self, _widget: object, content: object, _buffers: object) -> None:
        if isinstance(content, dict) and content.get("event") == "shown" and not self.shown:
            self.shown = True
            for callback in self._on_shown:
                callback()
