#define SYSDIR 3
