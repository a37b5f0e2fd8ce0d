"""xAPI to a Learning Record Store (administrators configure it; every learner's play feeds it).

- ``config``: where the LRS is and the credentials it gave this app (``elearn.settings`` reads them).
- ``statements``: the statements of an answer, a finished attempt or a lesson as it happens, built
  like the export's (``elearn.manage.exports``), with the same deterministic ids.
- ``client``: one POST of a batch to the LRS, and what its answer means.
- ``sender``: sending the outbox (``elearn.store.xapi_outbox``): claimed batches, a refused batch
  split to find the statement the LRS refuses, backoff with jitter while the LRS is down.
- ``background``: the sender as a thread, started once per server process.

``python -m elearn lrs send|status|retry-dead`` drives it from the command line; see docs/lrs.md.
"""
