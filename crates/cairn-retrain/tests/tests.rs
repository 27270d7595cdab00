//! Integration tests of cairn-retrain.

mod retrain;
