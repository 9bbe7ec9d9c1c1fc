-- T, the as-of month (the latest 发放年月 seen), and the first roster month.
select
    (select max(pay_month) from {{ ref('stg_payments') }}) as as_of_month,
    (select min(file_month) from {{ ref('stg_roster') }}) as first_roster_month
