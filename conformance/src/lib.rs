//! Conformance suite: see tests/.
