#!/bin/sh
# smallest memory of redis and nginx on their own kernel, general and microvm (same rootfs per app)
L=/tmp/lupine-mem
mkdir -p /tmp/mem2
for a in redis nginx; do
  for v in own general microvm; do
    case $v in own) f="";; general) f="--general";; microvm) f="--baseline microvm";; esac
    $L build app:$a -q -o /tmp/mem2/$a-$v.lupine $f || echo "build $a $v failed"
  done
done
$L bench app -n 3 --min-memory -p 16379:6379 --ready 'timeout 2 redis-cli -p {port} SET lupine-check ok >/dev/null && timeout 2 redis-cli -p {port} GET lupine-check' --expect ok /tmp/mem2/redis-own.lupine /tmp/mem2/redis-general.lupine /tmp/mem2/redis-microvm.lupine > /tmp/mem2/redis.out 2>&1
$L bench app -n 3 --min-memory -p 18080:80 --ready 'curl -s -m 2 http://127.0.0.1:{port}/' --expect 'Welcome to nginx' /tmp/mem2/nginx-own.lupine /tmp/mem2/nginx-general.lupine /tmp/mem2/nginx-microvm.lupine > /tmp/mem2/nginx.out 2>&1
echo done > /tmp/mem2/done
