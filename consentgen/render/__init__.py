"""From templates and catalogs to a form's HTML: filters, the renderer, the scan of what a form
may load, and the text a form shows."""
