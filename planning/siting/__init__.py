"""Site suggestions: minimal camera positions, and LSCP/MCLP siting of stations solved exactly with HiGHS."""
