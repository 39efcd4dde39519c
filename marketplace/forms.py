from django import forms


class PageForm(forms.Form):
    """A form that shares its page with others (the order page has six):
    its element ids start with ``id_<id_prefix>_`` so no two fields on a page
    share an id and every label points at its own field. Field names, and
    so what the form posts, stay as they are."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s" if self.id_prefix else "id_%s")
        super().__init__(*args, **kwargs)
