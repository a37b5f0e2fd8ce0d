"""The course as authors write it: the content model, its loading and its checks.

``schema`` is the model (scenarios, nodes, choices, endings, skills); ``yamlsource`` and
``coursefiles`` read files safely; ``validation`` and ``structure`` turn mistakes into author
messages; ``graph`` walks a scenario's state space and ``paths`` enumerates its complete paths;
``cues`` looks for answers given away by their surface; ``endings`` proves what an ending says;
``lessons`` and ``printable`` render Markdown; ``passing`` is the pass rule; ``catalogue`` loads
the whole course in that order; ``summary`` gives ``check --json`` its figures.

Imports point down only: this package uses ``elearn.errors``, ``elearn.limits`` and
``elearn.names``, nothing above it (``tests/test_layers.py``).
"""
