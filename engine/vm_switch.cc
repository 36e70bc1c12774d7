// The interpreter again, with the portable switch dispatch (see vm.cc).
#define ARBITER_VM_SWITCH 1
#define ARBITER_VM_FUNCTION ExecuteSwitch
#include "engine/vm.cc"  // NOLINT(build/include): a second instantiation by design
