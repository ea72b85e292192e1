#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kured_fuzz::set_entry(data));
