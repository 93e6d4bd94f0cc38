/* Shared by prog.ac and util.c. */
int triple(int x);
