// Everything a program embedding Arbiter needs: compile or load policies, load entity data,
// decide. See engine.h for the entry point.
#pragma once

#include <arbiter/decision.h>
#include <arbiter/engine.h>
#include <arbiter/entities.h>
#include <arbiter/request.h>
#include <arbiter/status.h>
