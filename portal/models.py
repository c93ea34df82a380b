"""Abstract models shared by the portal's apps."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StoredDocument(models.Model):
    """An uploaded document checked by its content (``portal.files.check_upload``) and kept in
    private storage, outside the web root. Subclasses add the ``file`` field (with their own
    folder) and what the document belongs to; ``portal.files`` stores and serves them."""

    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name
