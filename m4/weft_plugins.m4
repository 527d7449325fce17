# weft_plugins.m4 - per-plugin dependency detection for configure.ac
#
# Every plugin gets --enable-NAME / --disable-NAME.  The default ("auto")
# builds the plugin when its dependencies are found and skips it otherwise;
# --enable-NAME turns a missing dependency into a configure error.  Either way
# the summary at the end of configure lists the plugin as built or skipped,
# with the Debian package that would make it build.

AC_DEFUN([WEFT_PLUGINS_INIT], [
  weft_plugins_summary=
  weft_plugins_built=
])

# WEFT_PLUGIN_ARG(NAME, DESCRIPTION)
AC_DEFUN([WEFT_PLUGIN_ARG], [
  AC_ARG_ENABLE([$1],
    [AS_HELP_STRING([--enable-$1], [build $2 (default: when its dependencies are found)])],
    [], [enable_$1=auto])
  weft_missing=
])

# WEFT_PLUGIN_NEED(NAME, CONDITION-SHELL-TEST, WHAT-IS-MISSING)
# Records WHAT-IS-MISSING unless CONDITION holds.  Only the first miss counts.
AC_DEFUN([WEFT_PLUGIN_NEED], [
  AS_IF([test -z "$weft_missing"], [
    AS_IF([$2], [], [weft_missing="$3"])
  ])
])

# WEFT_PLUGIN_RESULT(NAME, CONDITIONAL)
AC_DEFUN([WEFT_PLUGIN_RESULT], [
  AS_CASE([$enable_$1],
    [no], [weft_build_$1=no
           weft_plugins_summary="$weft_plugins_summary
    $1: skipped (--disable-$1)"],
    [AS_IF([test -z "$weft_missing"], [
       weft_build_$1=yes
       weft_plugins_built="$weft_plugins_built $1"
       weft_plugins_summary="$weft_plugins_summary
    $1: built"
     ], [
       AS_IF([test "x$enable_$1" = xyes],
         [AC_MSG_ERROR([--enable-$1 was given, but $weft_missing])])
       weft_build_$1=no
       weft_plugins_summary="$weft_plugins_summary
    $1: skipped: $weft_missing"
     ])])
  AM_CONDITIONAL([$2], [test "x$weft_build_$1" = xyes])
])

AC_DEFUN([WEFT_PLUGINS_SUMMARY], [
  AS_ECHO(["$weft_plugins_summary" | $SED '/^$/d'])
])

# ------------------------------------------------------------------ python
AC_DEFUN([WEFT_PLUGIN_PYTHON], [
  WEFT_PLUGIN_ARG([python], [the Python (WSGI) language plugin])
  AC_ARG_VAR([PYTHON], [the Python 3 interpreter the plugins embed (default: python3 on PATH)])
  AC_ARG_VAR([PYTHON_CONFIG], [its python3-config (default: PYTHON-config)])
  AS_IF([test "x$enable_python" != xno], [
    AS_IF([test -z "$PYTHON"], [AC_PATH_PROG([PYTHON], [python3])])
    WEFT_PLUGIN_NEED([python], [test -n "$PYTHON" && "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 8)' 2>/dev/null],
      [Python 3.8 or newer is missing (apt-get install python3-dev, or set PYTHON=)])
    AS_IF([test -z "$PYTHON_CONFIG"], [
      PYTHON_CONFIG=`"$PYTHON" -c 'import sys, os; print(sys.executable + "-config")' 2>/dev/null`
      AS_IF([test -x "$PYTHON_CONFIG"], [],
        [PYTHON_CONFIG=`"$PYTHON" -c 'import sysconfig, os; print(os.path.join(sysconfig.get_config_var("BINDIR"), "python%s-config" % sysconfig.get_config_var("VERSION")))' 2>/dev/null`])
    ])
    WEFT_PLUGIN_NEED([python], [test -x "$PYTHON_CONFIG"],
      [python3-config for $PYTHON is missing (apt-get install python3-dev)])
    WEFT_PLUGIN_NEED([python], [test "`"$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("Py_ENABLE_SHARED"))' 2>/dev/null`" = 1],
      [$PYTHON has no shared libpython to embed (use PYTHON=/usr/bin/python3)])
    AS_IF([test -z "$weft_missing"], [
      PYTHON_CFLAGS=`"$PYTHON_CONFIG" --includes`
      PYTHON_LIBDIR=`"$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))'`
      PYTHON_LIBS="`"$PYTHON_CONFIG" --embed --ldflags 2>/dev/null || "$PYTHON_CONFIG" --ldflags`"
      dnl A Python outside the system library path (pyenv, /opt) needs an rpath.
      AS_CASE([$PYTHON_LIBDIR],
        [/usr/lib|/usr/lib/*-linux-gnu|/usr/lib64], [],
        [PYTHON_LIBS="$PYTHON_LIBS -Wl,-rpath,$PYTHON_LIBDIR"])
      PYTHON_VERSION=`"$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[[:2]])'`
      weft_save_CPPFLAGS=$CPPFLAGS; weft_save_LIBS=$LIBS
      CPPFLAGS="$CPPFLAGS $PYTHON_CFLAGS"; LIBS="$PYTHON_LIBS $LIBS"
      AC_MSG_CHECKING([whether we can embed Python $PYTHON_VERSION])
      AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <Python.h>]], [[Py_Initialize();]])],
        [AC_MSG_RESULT([yes])],
        [AC_MSG_RESULT([no]); weft_missing="cannot link against libpython $PYTHON_VERSION (apt-get install python3-dev)"])
      CPPFLAGS=$weft_save_CPPFLAGS; LIBS=$weft_save_LIBS
    ])
  ])
  AC_SUBST([PYTHON_CFLAGS])
  AC_SUBST([PYTHON_LIBS])
  WEFT_PLUGIN_RESULT([python], [BUILD_PYTHON])
])

# ------------------------------------------------------------------ greenlet
AC_DEFUN([WEFT_PLUGIN_GREENLET], [
  WEFT_PLUGIN_ARG([greenlet], [the greenlet suspend engine (Python)])
  AS_IF([test "x$enable_greenlet" != xno], [
    WEFT_PLUGIN_NEED([greenlet], [test "x$weft_build_python" = xyes],
      [it needs the python plugin])
    WEFT_PLUGIN_NEED([greenlet], ["$PYTHON" -c 'import greenlet' 2>/dev/null],
      [$PYTHON cannot import greenlet (apt-get install python3-greenlet)])
    AS_IF([test -z "$weft_missing"], [
      weft_save_CPPFLAGS=$CPPFLAGS
      CPPFLAGS="$CPPFLAGS $PYTHON_CFLAGS"
      AC_CHECK_HEADER([greenlet/greenlet.h], [],
        [weft_missing="greenlet/greenlet.h is missing (apt-get install python-greenlet-dev)"],
        [#include <Python.h>])
      CPPFLAGS=$weft_save_CPPFLAGS
    ])
  ])
  WEFT_PLUGIN_RESULT([greenlet], [BUILD_GREENLET])
])

# ------------------------------------------------------------------ gevent
AC_DEFUN([WEFT_PLUGIN_GEVENT], [
  WEFT_PLUGIN_ARG([gevent], [the gevent loop engine (Python)])
  AS_IF([test "x$enable_gevent" != xno], [
    WEFT_PLUGIN_NEED([gevent], [test "x$weft_build_python" = xyes],
      [it needs the python plugin])
    WEFT_PLUGIN_NEED([gevent], ["$PYTHON" -c 'import gevent' 2>/dev/null],
      [$PYTHON cannot import gevent (apt-get install python3-gevent)])
  ])
  WEFT_PLUGIN_RESULT([gevent], [BUILD_GEVENT])
])

# ------------------------------------------------------------------ ruby
AC_DEFUN([WEFT_PLUGIN_RUBY], [
  WEFT_PLUGIN_ARG([ruby], [the Ruby (Rack) language plugin])
  AC_ARG_VAR([RUBY], [the Ruby interpreter the plugin embeds (default: ruby on PATH)])
  AS_IF([test "x$enable_ruby" != xno], [
    AS_IF([test -z "$RUBY"], [AC_PATH_PROG([RUBY], [ruby])])
    WEFT_PLUGIN_NEED([ruby], [test -n "$RUBY"], [ruby is missing (apt-get install ruby-dev)])
    AS_IF([test -z "$weft_missing"], [
      weft_ruby_pc=`"$RUBY" -e 'print "ruby-", RbConfig::CONFIG[["MAJOR"]], ".", RbConfig::CONFIG[["MINOR"]]' 2>/dev/null`
      PKG_CHECK_MODULES([RUBY], [$weft_ruby_pc], [], [
        dnl No .pc file: ask RbConfig itself.
        RUBY_CFLAGS=`"$RUBY" -e 'c = RbConfig::CONFIG; print "-I#{c[["rubyhdrdir"]]} -I#{c[["rubyarchhdrdir"]]}"' 2>/dev/null`
        RUBY_LIBS=`"$RUBY" -e 'c = RbConfig::CONFIG; print "-L#{c[["libdir"]]} #{c[["LIBRUBYARG_SHARED"]]}"' 2>/dev/null`
      ])
      dnl Ruby's headers are not -Wstrict-prototypes clean: include them as
      dnl system headers, so -Werror judges only weft's own code.
      RUBY_CFLAGS=`AS_ECHO(["$RUBY_CFLAGS"]) | $SED 's/-I/-isystem /g'`
      weft_save_CPPFLAGS=$CPPFLAGS; weft_save_LIBS=$LIBS
      CPPFLAGS="$CPPFLAGS $RUBY_CFLAGS"; LIBS="$RUBY_LIBS $LIBS"
      AC_MSG_CHECKING([whether we can embed Ruby])
      AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <ruby.h>]], [[ruby_init();]])],
        [AC_MSG_RESULT([yes])],
        [AC_MSG_RESULT([no]); weft_missing="cannot link against libruby (apt-get install ruby-dev)"])
      CPPFLAGS=$weft_save_CPPFLAGS; LIBS=$weft_save_LIBS
    ])
  ])
  AC_SUBST([RUBY_CFLAGS])
  AC_SUBST([RUBY_LIBS])
  WEFT_PLUGIN_RESULT([ruby], [BUILD_RUBY])
])

# ------------------------------------------------------------------ fiber
AC_DEFUN([WEFT_PLUGIN_FIBER], [
  WEFT_PLUGIN_ARG([fiber], [the Ruby fiber suspend engine])
  AS_IF([test "x$enable_fiber" != xno], [
    WEFT_PLUGIN_NEED([fiber], [test "x$weft_build_ruby" = xyes], [it needs the ruby plugin])
  ])
  WEFT_PLUGIN_RESULT([fiber], [BUILD_FIBER])
])

# ------------------------------------------------------------------ perl
AC_DEFUN([WEFT_PLUGIN_PERL], [
  WEFT_PLUGIN_ARG([perl], [the Perl (PSGI) language plugin])
  AC_ARG_VAR([PERL], [the Perl interpreter the plugin embeds (default: perl on PATH)])
  AS_IF([test "x$enable_perl" != xno], [
    AS_IF([test -z "$PERL"], [AC_PATH_PROG([PERL], [perl])])
    WEFT_PLUGIN_NEED([perl], [test -n "$PERL" && "$PERL" -MExtUtils::Embed -e1 2>/dev/null],
      [perl with ExtUtils::Embed is missing (apt-get install libperl-dev)])
    AS_IF([test -z "$weft_missing"], [
      PERL_CFLAGS=`"$PERL" -MExtUtils::Embed -e ccopts`
      PERL_LIBS=`"$PERL" -MExtUtils::Embed -e ldopts`
      dnl Perl's headers are not -Wextra clean: include them as system
      dnl headers, so -Werror judges only weft's own code.
      PERL_CFLAGS=`AS_ECHO(["$PERL_CFLAGS"]) | $SED 's/-I/-isystem /g'`
      weft_save_CPPFLAGS=$CPPFLAGS; weft_save_LIBS=$LIBS
      CPPFLAGS="$CPPFLAGS $PERL_CFLAGS"; LIBS="$PERL_LIBS $LIBS"
      AC_MSG_CHECKING([whether we can embed Perl])
      AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <EXTERN.h>
#include <perl.h>]], [[PerlInterpreter *p = perl_alloc(); (void) p;]])],
        [AC_MSG_RESULT([yes])],
        [AC_MSG_RESULT([no]); weft_missing="cannot link against libperl (apt-get install libperl-dev)"])
      CPPFLAGS=$weft_save_CPPFLAGS; LIBS=$weft_save_LIBS
    ])
  ])
  AC_SUBST([PERL_CFLAGS])
  AC_SUBST([PERL_LIBS])
  WEFT_PLUGIN_RESULT([perl], [BUILD_PERL])
])

# ------------------------------------------------------------------ coroae
# Coro's and EV's C APIs (Coro/CoroAPI.h, EV/EVAPI.h with EV/ev.h) live in
# Perl's vendor arch directory; coroae.so includes them as system headers
# (as perl.so does Perl's own), so -Werror judges only weft's code.
AC_DEFUN([WEFT_PLUGIN_COROAE], [
  WEFT_PLUGIN_ARG([coroae], [the Coro::AnyEvent loop engine (Perl)])
  AS_IF([test "x$enable_coroae" != xno], [
    WEFT_PLUGIN_NEED([coroae], [test "x$weft_build_perl" = xyes], [it needs the perl plugin])
    AS_IF([test -z "$weft_missing"], [
      weft_coro_dir=`"$PERL" -e 'for (@INC) { if (-f "$_/Coro/CoroAPI.h") { print $_; last } }'`
      weft_ev_dir=`"$PERL" -e 'for (@INC) { if (-f "$_/EV/EVAPI.h") { print $_; last } }'`
    ])
    WEFT_PLUGIN_NEED([coroae], [test -n "$weft_coro_dir"],
      [Coro/CoroAPI.h is missing (apt-get install libcoro-perl)])
    WEFT_PLUGIN_NEED([coroae], [test -n "$weft_ev_dir"],
      [EV/EVAPI.h is missing (apt-get install libev-perl)])
    WEFT_PLUGIN_NEED([coroae], ["$PERL" -MAnyEvent -MCoro::AnyEvent -MCoro::EV -e1 2>/dev/null],
      [perl cannot load AnyEvent, Coro::AnyEvent and Coro::EV (apt-get install libanyevent-perl libcoro-perl libev-perl)])
    AS_IF([test -z "$weft_missing"], [
      CORO_CFLAGS="-isystem $weft_coro_dir"
      AS_IF([test "x$weft_ev_dir" != "x$weft_coro_dir"], [CORO_CFLAGS="$CORO_CFLAGS -isystem $weft_ev_dir"])
    ])
  ])
  AC_SUBST([CORO_CFLAGS])
  WEFT_PLUGIN_RESULT([coroae], [BUILD_COROAE])
])

# ------------------------------------------------------------------ cgi
AC_DEFUN([WEFT_PLUGIN_CGI], [
  WEFT_PLUGIN_ARG([cgi], [the CGI language plugin])
  WEFT_PLUGIN_RESULT([cgi], [BUILD_CGI])
])

# ------------------------------------------------------------------ ugreen
AC_DEFUN([WEFT_PLUGIN_UGREEN], [
  WEFT_PLUGIN_ARG([ugreen], [the uGreen suspend engine (swapcontext)])
  AS_IF([test "x$enable_ugreen" != xno], [
    AC_CHECK_FUNCS([makecontext swapcontext])
    WEFT_PLUGIN_NEED([ugreen], [test "x$ac_cv_func_makecontext" = xyes && test "x$ac_cv_func_swapcontext" = xyes],
      [this libc has no makecontext/swapcontext])
  ])
  WEFT_PLUGIN_RESULT([ugreen], [BUILD_UGREEN])
])
