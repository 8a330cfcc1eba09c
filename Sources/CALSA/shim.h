#ifndef BSSD_CALSA_SHIM_H
#define BSSD_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#endif
