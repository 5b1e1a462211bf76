"""Contract data and files: reads and writes, and the Files API, by a contract (an application
of kind Contract) that proves itself with a short-lived token the adjudicator vouches for."""
