"""Prime notation: which derivatives print as f'(u)."""
import sympy as sp

from derive.scalar.notation import PrimeForm, prime_form, primes

x = sp.Symbol("x", real=True)
f, g = sp.Function("f"), sp.Function("g")


def test_derivative_of_f_at_its_own_argument() -> None:
    assert prime_form(sp.Derivative(f(x), x)) == PrimeForm(f, 1, x)
    assert prime_form(sp.Derivative(f(x), (x, 3))) == PrimeForm(f, 3, x)


def test_sympy_subs_form_of_f_prime_at_a_point() -> None:
    pf = prime_form(sp.diff(f(x**2), x).args[-1])
    assert pf is not None and pf.function == f and pf.order == 1 and pf.point == x**2


def test_derivative_wrt_an_inner_function() -> None:
    assert prime_form(sp.Derivative(f(g(x)), g(x))) == PrimeForm(f, 1, g(x))


def test_not_prime_forms() -> None:
    y = sp.Symbol("y", real=True)
    assert prime_form(sp.Derivative(f(x, y), x)) is None
    assert prime_form(sp.Derivative(sp.sin(x), x, evaluate=False)) is None
    assert prime_form(sp.sin(x)) is None


def test_prime_marks() -> None:
    assert primes(2) == "''" and primes(2, unicode=True) == "′′" and primes(5) == "^(5)"
