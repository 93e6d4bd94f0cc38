/* A type the library's signatures use: in a header, so the header acc
   writes for lib.ac can include it. */
#ifndef POINT_H
#define POINT_H
struct point {
  long x, y;
};
#endif
