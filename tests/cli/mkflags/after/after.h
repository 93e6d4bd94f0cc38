#define AFTER 5
