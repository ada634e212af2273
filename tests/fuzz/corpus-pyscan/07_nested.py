revision = 'nested01'
down_revision = [('a',), ['b', 'c'], {'d': 1}]
x = [[[[[((({{}}))))]]]]]
def f(a, b=(1, 2), *c, **d):
    return lambda y: y[1:2, ::3]
@decorator(arg=[1, 2])
class K(Base, metaclass=M):
    """doc"""
    z = {'k': v for v in range(3) if v}
