/* sql/upgrade--0.3.0-post.sql -- upgrade from 0.3.0: privileges and dependants of the functions defined again */

-- (nothing yet)
