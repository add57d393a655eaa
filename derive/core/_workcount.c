/* derive.core._workcount: the counter of derive.core.work as a C profile function.
 *
 * It counts the same events as work.py's Python tracer, and decides the same way, so a part is cut
 * at the same call with or without it (tests/core/test_work.py compares the two):
 *   - every 'call' event (a Python frame entered, a generator resumed) counts one;
 *   - the frames of an import (importlib's _find_and_load and every call under it) count nothing;
 *   - past the allowance, the first call that may raise (not a generator's frame, not __del__)
 *     raises the exception the counter was given, and counting stops (as sys.settrace stops a
 *     tracer that raised).
 * Only the cost differs: a C profile function skips the Python call of a tracer on every call and
 * the line events a tracer gets, about half of what counting costs in pure Python.
 *
 * Built by hatch_build.py when the package is installed; where no C compiler is found, work.py
 * counts with its Python tracer instead (the same counts, slower).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    long long calls;
    long long allowance;
    int cut;
    int importing;
    PyFrameObject *import_frame; /* compared by identity only: not a reference */
    PyObject *stop;              /* the exception class raised at the cut */
} Counter;

static int
is_import(PyCodeObject *code)
{
    const char *name = PyUnicode_AsUTF8(code->co_name);
    if (name == NULL) {
        PyErr_Clear();
        return 0;
    }
    if (strcmp(name, "_find_and_load") != 0) {
        return 0;
    }
    const char *file = PyUnicode_AsUTF8(code->co_filename);
    if (file == NULL) {
        PyErr_Clear();
        return 0;
    }
    return strncmp(file, "<frozen importlib", 17) == 0;
}

static int
may_stop(PyCodeObject *code)
{
    if (code->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) {
        return 0;
    }
    const char *name = PyUnicode_AsUTF8(code->co_name);
    if (name == NULL) {
        PyErr_Clear();
        return 1;
    }
    return strcmp(name, "__del__") != 0;
}

static int
count(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    Counter *c = (Counter *)obj;
    if (what == PyTrace_CALL) {
        if (c->importing) {
            return 0;
        }
        PyCodeObject *code = PyFrame_GetCode(frame);
        if (is_import(code)) {
            c->importing = 1;
            c->import_frame = frame;
            Py_DECREF(code);
            return 0;
        }
        c->calls++;
        if (c->calls > c->allowance && may_stop(code)) {
            Py_DECREF(code);
            c->cut = 1;
            PyEval_SetProfile(NULL, NULL);
            PyErr_SetNone(c->stop);
            return -1;
        }
        Py_DECREF(code);
        return 0;
    }
    if (what == PyTrace_RETURN && c->importing && frame == c->import_frame) {
        c->importing = 0;
        c->import_frame = NULL;
    }
    return 0;
}

static int
counter_init(Counter *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"allowance", "stop", NULL};
    long long allowance;
    PyObject *stop;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "LO", keywords, &allowance, &stop)) {
        return -1;
    }
    if (!PyExceptionClass_Check(stop)) {
        PyErr_SetString(PyExc_TypeError, "stop must be an exception class");
        return -1;
    }
    self->allowance = allowance;
    self->calls = 0;
    self->cut = 0;
    self->importing = 0;
    self->import_frame = NULL;
    Py_INCREF(stop);
    Py_XSETREF(self->stop, stop);
    return 0;
}

static void
counter_dealloc(Counter *self)
{
    Py_XDECREF(self->stop);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
counter_start(Counter *self, PyObject *Py_UNUSED(ignored))
{
    PyEval_SetProfile(count, (PyObject *)self);
    Py_RETURN_NONE;
}

static PyObject *
counter_calls(Counter *self, void *Py_UNUSED(closure))
{
    return PyLong_FromLongLong(self->calls);
}

static PyObject *
counter_cut(Counter *self, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(self->cut);
}

static PyMethodDef counter_methods[] = {
    {"start", (PyCFunction)counter_start, METH_NOARGS,
     "Count from here on, as this thread's profile function (sys.setprofile restores another)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef counter_getset[] = {
    {"calls", (getter)counter_calls, NULL, "The calls counted so far.", NULL},
    {"cut", (getter)counter_cut, NULL, "True once the allowance was spent and the stop raised.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject CounterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "derive.core._workcount.Counter",
    .tp_doc = "Counter(allowance, stop): counts Python calls; past allowance raises stop.",
    .tp_basicsize = sizeof(Counter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)counter_init,
    .tp_dealloc = (destructor)counter_dealloc,
    .tp_methods = counter_methods,
    .tp_getset = counter_getset,
};

static struct PyModuleDef workcount_module = {
    PyModuleDef_HEAD_INIT, "derive.core._workcount",
    "derive.core.work's call counter as a C profile function.", -1, NULL,
};

PyMODINIT_FUNC
PyInit__workcount(void)
{
    if (PyType_Ready(&CounterType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&workcount_module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&CounterType);
    if (PyModule_AddObject(m, "Counter", (PyObject *)&CounterType) < 0) {
        Py_DECREF(&CounterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
