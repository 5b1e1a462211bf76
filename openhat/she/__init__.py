"""The Smart HAT Engine (SHE): functions that run inside openhat on the HAT's own data and
write what they find back to it (`she/insights/...`), where the feed shows it."""
