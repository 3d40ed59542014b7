#include "ingest/body_splitter.h"
#include <gtest/gtest.h>
TEST(X,Y){}
