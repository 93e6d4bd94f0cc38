#define INC_ONLY 4
