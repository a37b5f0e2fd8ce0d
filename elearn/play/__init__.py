"""Playing a scenario: the engine that moves a run on, the debrief of a finished run, and the
simulated learners (random and lazy) that the checker uses as evidence that a quiz cannot be
passed without reading it. Built on ``elearn.course``; never touches the store.
"""
