/* The header whose edit must retranslate greet.ac. */
#define GREETING "Hello, async world!"
