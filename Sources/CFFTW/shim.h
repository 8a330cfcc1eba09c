#ifndef BSSD_CFFTW_SHIM_H
#define BSSD_CFFTW_SHIM_H
#include <fftw3.h>
#endif
