//! Files written by Python (`xtask/python/fixtures_convert.py`): safetensors'
//! `save_file`, numpy's `np.savez` and `np.savez_compressed`, read and compared with the
//! values the script recorded in `fixtures/convert/result.json`.
