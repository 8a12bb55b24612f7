//! Disclosure control: small cells and whatever would let a reader recompute them.
