"""Comments and @mentions on records (issue #19 item 3).

- :mod:`.models` — the ``rb_comment`` table;
- :mod:`.service` — :class:`~.service.Comments`: list, add, edit, delete as one reader, the rights;
- :mod:`.mentions` — ``@e-mail`` mentions reaching the mentioned users' inboxes;
- :mod:`.api` — ``/api/v1/records/<type>/<id>/comments`` (marshmallow payloads), :mod:`.openapi`;
- :mod:`.admin` — the conversation on the record's details page (an activity timeline with the
  history) and its add/edit/delete form posts.
"""
