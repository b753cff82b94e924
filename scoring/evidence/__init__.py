"""Evidence: does the score win deals? (SPEC §13, issue 10.) Pure: numpy, pandas, scikit-learn.

Modules (imported by name; this package imports nothing, so :mod:`scoring.config` can use
:mod:`scoring.evidence.config` without a cycle):

* ``config``   — which sales Status means won or lost (a validated part of ``ScoringConfig``)
* ``outcomes`` — Status → won / lost / open for a whole book
* ``metrics``  — per tier conversion with Wilson intervals, lift, base rate, AUC, bands, calibration
* ``capacity`` — thresholds from how many practices reps can work
* ``model``    — the learned model beside the rules (logistic regression), its factors and
  "Suggest points"

Outcomes are never an input to any score: nothing in ``scoring`` outside this package reads them.
"""
