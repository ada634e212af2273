revision = 'nested02'
down_revis/=n = [('a',), ['b', 'c'], {'d': 1}]
x = [[[[[(((
def f(a, b=(1, 2ase, metaclass=M):
 v}
