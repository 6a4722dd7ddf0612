# CMake toolchain file for bare-metal ARM Cortex-M with Debian's gcc-arm-none-eabi and
# libstdc++-arm-none-eabi-newlib (newlib C library, semihosting through librdimon).
#   cmake -S examples/firmware -B build-fw -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
# The CPU defaults to the Cortex-M4 of QEMU's mps2-an386 board; override MICROREDIS_ARM_CPU_FLAGS
# for another core. Soft-float: the M4's FPU is single precision, and the engine computes in double.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(MICROREDIS_ARM_TRIPLE arm-none-eabi CACHE STRING "Prefix of the bare-metal ARM tools")
set(MICROREDIS_ARM_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft" CACHE STRING "CPU selection flags")

find_program(CMAKE_C_COMPILER ${MICROREDIS_ARM_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER ${MICROREDIS_ARM_TRIPLE}-g++ REQUIRED)
find_program(CMAKE_ASM_COMPILER ${MICROREDIS_ARM_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_OBJCOPY ${MICROREDIS_ARM_TRIPLE}-objcopy)
find_program(CMAKE_SIZE ${MICROREDIS_ARM_TRIPLE}-size)
find_program(CMAKE_NM ${MICROREDIS_ARM_TRIPLE}-nm)

# Compiler checks link a program; without a start-up file and linker script that cannot work.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_C_FLAGS_INIT "${MICROREDIS_ARM_CPU_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${MICROREDIS_ARM_CPU_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${MICROREDIS_ARM_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${MICROREDIS_ARM_CPU_FLAGS}")

# Libraries and headers come from the cross toolchain only; programs (python, qemu) from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
